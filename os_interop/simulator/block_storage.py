"""Cinder, as far as a client's version discovery sees it: the root's version list (300
Multiple Choices, cinder's shape) and a catalog entry under the type and major version the
personality declares (…/v3/<project_id>, as devstack registers it). No volumes: the suite
only reads which block-storage API version a client must speak."""

from __future__ import annotations

from typing import Any

from .http import Request, Response, json_response
from .sections import BlockStorage, VolumeVersion
from .service import Service

CATALOG_TYPES = ("block-storage", "volumev3", "volumev2", "volume")


class BlockStorageService(Service):
    prefix = "/volume"
    name = "cinder"

    def routes(self) -> None:
        self.router.add("GET", "/", self.versions, auth=False)

    @property
    def spec(self) -> BlockStorage:
        spec = self.personality.block_storage
        assert spec is not None, "mounted only where the personality has block_storage"
        return spec

    @property
    def service_type(self) -> str:  # type: ignore[override]
        return self.spec.catalog_type

    @property
    def catalog_url(self) -> str:
        return f"{self.url}/v{self.spec.catalog_major}/{self.state.project_id}"

    def _entry(self, version: VolumeVersion) -> dict[str, Any]:
        vid = version.id
        micro = version.max_microversion or ""
        return {"id": vid, "status": version.status, "updated": "2017-02-25T12:00:00Z",
                "version": micro, "min_version": f"{vid[1:]}" if micro else "",
                "links": [{"href": "https://docs.openstack.org/", "type": "text/html", "rel": "describedby"},
                          {"href": f"{self.url}/{vid.split('.')[0]}/", "rel": "self"}],
                "media-types": [{"base": "application/json",
                                 "type": f"application/vnd.openstack.volume+json;version={vid[1:].split('.')[0]}"}]}

    def versions(self, req: Request) -> Response:
        return json_response(300, {"versions": [self._entry(v) for v in self.spec.versions]})
