"""state/clouds.yaml: `refcloud` (the member user, what os-interop runs as) and
`refcloud-admin` (project-scoped admin, for refcloud's own tooling only)."""
from __future__ import annotations

import yaml

from .addresses import REGION
from .cloudapi import ADMIN_PROJECT, ADMIN_USER, MEMBER_USER, auth, member_project_name
from .paths import Layout

MEMBER_CLOUD = "refcloud"
ADMIN_CLOUD = "refcloud-admin"


def write(lay: Layout, password: str, config: str) -> None:
    """(Re)write clouds.yaml for the active configuration's member project."""
    clouds = {
        MEMBER_CLOUD: {"auth": auth(MEMBER_USER, member_project_name(config), password),
                       "region_name": REGION},
        ADMIN_CLOUD: {"auth": auth(ADMIN_USER, ADMIN_PROJECT, password),
                      "region_name": REGION},
    }
    text = ("# written by reference-cloud/refcloud for configuration "
            f"{config!r}; rewritten on every switch\n")
    text += yaml.safe_dump({"clouds": clouds}, sort_keys=False)
    path = lay.clouds_yaml
    path.touch(mode=0o600)
    path.write_text(text)
