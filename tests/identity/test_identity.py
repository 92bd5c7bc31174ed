"""Identity: versions at the auth URL, and what the token's catalog offers."""

from os_interop.apis import versions

CORE = ("image", "compute", "network")


def test_identity_versions(cloud, observe):
    auth_url = cloud.conn.target.auth_url
    assert auth_url, "the cloud's clouds.yaml entry has no auth_url"
    status, entries = versions.at_root(cloud, cloud.unversioned(auth_url), versions.ROOT_OR_HIDDEN)
    assert entries, f"the auth URL root answered HTTP {status}: no version document to discover"
    ids = sorted(e["id"] for e in entries)
    stable = [e for e in entries if e.get("status", "").lower() in ("stable", "current", "supported")]
    assert stable, f"no stable identity version among {ids}"
    best = max(stable, key=lambda e: versions.parse(e["id"]))
    major = versions.parse(best["id"])[0]
    observe("identity.versions", ids)
    observe("identity.api_version", "3" if major == 3 else "2.0" if major == 2 else str(major))


def test_catalog(cloud, observe):
    catalog = cloud.catalog
    assert catalog, "the token carries no service catalog"
    services = sorted({s["type"] for s in catalog})
    observe("catalog.services", services)
    interfaces = ("public", "internal", "admin")
    usable = [i for i in interfaces
              if all(cloud.endpoint(t, i) for t in CORE if any(s["type"] == t for s in catalog))]
    assert usable, "no interface lists every core service the catalog has"
    observe("catalog.interface", cloud.interface if cloud.interface in usable else usable[0])
    versioned = sorted(t for t in services
                       if (url := cloud.endpoint(t)) and cloud.unversioned(url) != url.rstrip("/"))
    observe("catalog.versioned_services", versioned)
