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


def without_project(cloud: CloudUnderTest, url: str) -> str:
    """A catalog URL without its trailing /<project_id> (cinder, old nova)."""
    trimmed, project = url.rstrip("/"), cloud.project_id
    if project and trimmed.endswith("/" + project):
        trimmed = trimmed[: -len(project) - 1]
    return trimmed


def root(cloud: CloudUnderTest, url: str) -> str:
    """The unversioned root of a catalog URL: …/v3/<project_id> and …/v2.1 both lose their
    version part."""
    return cloud.unversioned(without_project(cloud, url))
