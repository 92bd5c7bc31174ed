"""Keystone content: service users, the catalog, and the member project and user."""
from __future__ import annotations

from openstack.connection import Connection
from openstack.identity.v3.project import Project
from openstack.identity.v3.user import User

from .addresses import CATALOG, REGION
from .cloudapi import MEMBER_USER, member_project_name
from .conffiles import SERVICE_PROJECT, SERVICE_USERS


def default_domain_id(conn: Connection) -> str:
    """Id of the Default domain."""
    return conn.identity.find_domain("default", ignore_missing=False).id


def ensure_project(conn: Connection, name: str, description: str) -> Project:
    """The project `name`, created if missing."""
    domain = default_domain_id(conn)
    return (conn.identity.find_project(name, domain_id=domain)
            or conn.identity.create_project(name=name, domain_id=domain, description=description))


def ensure_user(conn: Connection, name: str, password: str) -> User:
    """The user `name`, created if missing."""
    domain = default_domain_id(conn)
    return (conn.identity.find_user(name, domain_id=domain)
            or conn.identity.create_user(name=name, password=password, domain_id=domain))


def grant(conn: Connection, project: Project, user: User, role_name: str) -> None:
    """Give `user` the role `role_name` on `project` (idempotent)."""
    role = conn.identity.find_role(role_name, ignore_missing=False)
    conn.identity.assign_project_role_to_user(project, user, role)


def register_services(conn: Connection, password: str) -> None:
    """Service project and users (admin + service roles) and every catalog entry.

    keystone-manage bootstrap already registered identity itself.
    """
    project = ensure_project(conn, SERVICE_PROJECT, "OpenStack service users")
    for name in SERVICE_USERS:
        user = ensure_user(conn, name, password)
        for role in ("admin", "service"):
            grant(conn, project, user, role)
    for name, service_type, url in CATALOG:
        service = next(iter(conn.identity.services(type=service_type)), None) or \
            conn.identity.create_service(name=name, type=service_type, description=name)
        have = {e.interface for e in conn.identity.endpoints(service_id=service.id)}
        for interface in ("public", "internal", "admin"):
            if interface not in have:
                conn.identity.create_endpoint(service_id=service.id, interface=interface,
                                              url=url, region_id=REGION)


def create_member_project(conn: Connection, config: str, password: str) -> Project:
    """A new project for `config` with the member user (role `member`) in it."""
    project = conn.identity.create_project(
        name=member_project_name(config), domain_id=default_domain_id(conn),
        description=f"os-interop reference cloud, configuration {config}")
    user = ensure_user(conn, MEMBER_USER, password)
    grant(conn, project, user, "member")
    return project
