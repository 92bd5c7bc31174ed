"""Removing a previous configuration: its member projects (with everything in
them) and the provider networks in the admin project. Runs as admin."""
from __future__ import annotations

import time

from openstack.connection import Connection

from .cloudapi import MEMBER_PROJECT_PREFIX, MEMBER_USER
from .report import RefcloudError
from .rest import call

ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed")


def wait_servers_gone(conn: Connection, project_id: str, timeout: float = 120) -> None:
    """Wait until a project's servers are deleted."""
    deadline = time.monotonic() + timeout
    while list(conn.compute.servers(all_projects=True, project_id=project_id)):
        if time.monotonic() > deadline:
            raise RefcloudError(f"servers of project {project_id} not deleted after {timeout:.0f}s")
        time.sleep(0.5)


def delete_servers(conn: Connection, project_id: str) -> int:
    """Delete every server of a project; return how many."""
    servers = list(conn.compute.servers(all_projects=True, project_id=project_id))
    for server in servers:
        conn.compute.delete_server(server)
    wait_servers_gone(conn, project_id)
    return len(servers)


def delete_network_resources(conn: Connection, project_id: str) -> None:
    """Floating IPs, routers (interfaces first), ports, networks, security groups."""
    net = conn.network
    q = f"project_id={project_id}"
    for fip in call(net, "GET", f"/floatingips?{q}").json()["floatingips"]:
        call(net, "DELETE", f"/floatingips/{fip['id']}")
    for router in call(net, "GET", f"/routers?{q}").json()["routers"]:
        ports = call(net, "GET", f"/ports?device_id={router['id']}").json()["ports"]
        for port in ports:
            if port["device_owner"] in ROUTER_INTERFACE_OWNERS:
                call(net, "PUT", f"/routers/{router['id']}/remove_router_interface",
                     {"port_id": port["id"]})
        call(net, "DELETE", f"/routers/{router['id']}")
    for port in call(net, "GET", f"/ports?{q}").json()["ports"]:
        call(net, "DELETE", f"/ports/{port['id']}", ok=(204, 404))
    for network in call(net, "GET", f"/networks?{q}").json()["networks"]:
        call(net, "DELETE", f"/networks/{network['id']}")
    for group in call(net, "GET", f"/security-groups?{q}").json()["security_groups"]:
        call(net, "DELETE", f"/security-groups/{group['id']}", ok=(204, 404))


def delete_images(conn: Connection, project_id: str) -> None:
    """Delete every image a project owns (unprotecting first)."""
    for image in call(conn.image, "GET", f"/images?owner={project_id}&limit=1000").json()["images"]:
        if image.get("protected"):
            call(conn.image, "PATCH", f"/images/{image['id']}",
                 [{"op": "replace", "path": "/protected", "value": False}],
                 headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
        call(conn.image, "DELETE", f"/images/{image['id']}")


def delete_member_keypairs(conn: Connection) -> None:
    """Delete the member user's keypairs."""
    user = conn.identity.find_user(MEMBER_USER)
    if user is not None:
        for keypair in conn.compute.keypairs(user_id=user.id):
            conn.compute.delete_keypair(keypair, user_id=user.id)


def member_projects(conn: Connection) -> list:
    """Every project refcloud made for a configuration."""
    return [p for p in conn.identity.projects() if p.name.startswith(MEMBER_PROJECT_PREFIX)]


def purge_member_projects(conn: Connection) -> list[str]:
    """Delete every refcloud member project and all it holds; return their names."""
    names = []
    for project in member_projects(conn):
        delete_servers(conn, project.id)
        delete_network_resources(conn, project.id)
        delete_images(conn, project.id)
        conn.identity.delete_project(project)
        names.append(project.name)
    delete_member_keypairs(conn)
    return names


def purge_provider_networks(conn: Connection) -> None:
    """The admin project's routers and networks (refcloud's provider networks)."""
    delete_network_resources(conn, conn.current_project_id)
