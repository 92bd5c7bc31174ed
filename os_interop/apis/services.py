"""Where each service's unversioned root is, for its version document (openstacksdk's
`<service>_api_version` keys are read from these)."""

from __future__ import annotations

from os_interop.cloud import CloudUnderTest

# the block-storage service and its aliases, as the service-types authority lists them
BLOCK_STORAGE_TYPES = ("block-storage", "volumev3", "volumev2", "volume", "block-store")


def catalog_url(cloud: CloudUnderTest, types: tuple[str, ...]) -> tuple[str, str] | None:
    """(service type, catalog URL) of the first of `types` in the catalog, or None."""
    for service_type in types:
        url = cloud.endpoint(service_type)
        if url:
            return service_type, url
    return None


def root(cloud: CloudUnderTest, url: str) -> str:
    """The unversioned root of a catalog URL: …/v3/<project_id> (cinder, old nova) and …/v2.1
    both lose their version part."""
    trimmed, project = url.rstrip("/"), cloud.project_id
    if project and trimmed.endswith("/" + project):
        trimmed = trimmed[: -len(project) - 1]
    return cloud.unversioned(trimmed)
