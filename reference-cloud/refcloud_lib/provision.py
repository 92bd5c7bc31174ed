"""Putting a configuration into the running cloud through its APIs.

Every switch first sets the catalog's endpoints as the configuration wants
them, then starts from a clean slate: previous member projects (and all
they hold) and provider networks are deleted, the default security group
template is reset; then the configuration's template rules, a fresh member
project, its networks, the public image and the flavor are created.
"""
from __future__ import annotations

from pathlib import Path

from . import catalog, cloudapi, cloudsyaml, identity, provider, purge, sgtemplate, topology
from .cloudconfig import CloudConfig
from .paths import Layout
from .report import say, step


def active_marker(lay: Layout) -> Path:
    """Holds the active configuration's name."""
    return lay.state / "active-config"


def active(lay: Layout) -> str | None:
    """The configuration last applied completely, if any."""
    path = active_marker(lay)
    return path.read_text().strip() if path.exists() else None


def apply(lay: Layout, password: str, config: CloudConfig) -> None:
    """Replace whatever configuration is in the cloud with `config`."""
    active_marker(lay).unlink(missing_ok=True)
    with step("catalog endpoints"):
        changed = catalog.apply(cloudapi.admin(password), config.catalog_paths)
        say(f"    changed: {', '.join(changed) or 'none'}")
    admin = cloudapi.admin(password)   # a token whose catalog shows the change
    with step("remove the previous configuration's resources"):
        gone = purge.purge_member_projects(admin)
        purge.purge_provider_networks(admin)
        extra = sgtemplate.reset(admin)
        say(f"    deleted projects {gone or '[]'}; {extra} extra template rule(s)")
    with step(f"apply configuration {config.name}"):
        sgtemplate.remove(admin, config.removed_sg_rules)
        sgtemplate.add(admin, config.default_sg_rules)
        identity.create_member_project(admin, config.name, password)
        member = cloudapi.member(password, config.name)
        topology.build(admin, member, config.networks, config.routers)
        say(f"    networks: {', '.join(n['network']['name'] for n in config.networks) or 'none'}")
        say(f"    {provider.ensure_image(admin, config.image_format)}")
        provider.ensure_flavor(admin)
    cloudsyaml.write(lay, password, config.name)
    active_marker(lay).write_text(config.name + "\n")
