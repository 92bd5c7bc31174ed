"""openstacksdk connections to the running reference cloud (admin or member).

Built from explicit arguments: no clouds.yaml or OS_* variable of the caller
can redirect refcloud's own calls to another cloud.
"""
from __future__ import annotations

import openstack
from openstack.connection import Connection

from .addresses import AUTH_URL, REGION

ADMIN_USER = ADMIN_PROJECT = "admin"
MEMBER_USER = "refcloud-member"
MEMBER_PROJECT_PREFIX = "refcloud-"


def member_project_name(config: str) -> str:
    """The member project of configuration `config`."""
    return f"{MEMBER_PROJECT_PREFIX}{config}"


def auth(username: str, project: str, password: str) -> dict[str, str]:
    """Password auth scoped to a project in the Default domain."""
    return {"auth_url": AUTH_URL, "username": username, "password": password,
            "project_name": project, "user_domain_name": "Default",
            "project_domain_name": "Default"}


def connect(username: str, project: str, password: str) -> Connection:
    """A connection for `username` scoped to `project`."""
    return openstack.connect(auth=auth(username, project, password), region_name=REGION,
                             load_yaml_config=False, load_envvars=False)


def admin(password: str) -> Connection:
    """Project-scoped admin (system scope gets 403 from nova)."""
    return connect(ADMIN_USER, ADMIN_PROJECT, password)


def member(password: str, config: str) -> Connection:
    """The demo member user in configuration `config`'s project."""
    return connect(MEMBER_USER, member_project_name(config), password)
