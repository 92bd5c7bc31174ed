"""What a cloud holds before anyone calls it: the personality's public images, networks, subnets and routers.

Kept apart from :mod:`state` (which only stores and guards resources) so the state class does not
need to know the personality's layout; :class:`~.state.CloudState` calls :func:`seed` once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from .networks.topology import add_network, add_router
from .personality import Personality
from .stamps import new_id, now

if TYPE_CHECKING:
    from .state import CloudState


def seed(state: CloudState, p: Personality) -> None:
    """Fill ``state`` with what the personality says exists at start (owned by the provider or the project)."""
    for i, image in enumerate(p.image.public_images):
        iid = new_id()
        created = now(timedelta(days=-30 - i))
        state.images[iid] = {
            "id": iid, "name": image.name, "status": "active", "visibility": "public",
            "protected": False, "owner": state.provider_project_id,
            "disk_format": image.disk_format, "container_format": image.container_format,
            "size": image.size, "virtual_size": None, "checksum": secrets.token_hex(16),
            "os_hash_algo": "sha512", "os_hash_value": secrets.token_hex(64),
            "min_disk": 0, "min_ram": 0, "os_hidden": False, "tags": [],
            "created_at": created, "updated_at": created, **image.properties, "_data": None,
        }
    net = p.network
    if net.service == "present":
        for n in net.networks:
            owner = state.project_id if n.owner == "project" else state.provider_project_id
            network = add_network(state, n.name, owner, n.shared, n.router_external, n.is_default,
                                        n.port_security_enabled, [(s.cidr, s.gateway_ip, s.name) for s in n.subnets])
            for sid, spec in zip(network["subnets"], n.subnets):
                if not spec.enable_dhcp:   # static: neutron then allows no IPv6 mode either
                    state.subnets[sid].update(enable_dhcp=False, ipv6_ra_mode=None, ipv6_address_mode=None)
        for n in net.networks:
            if n.router is not None:
                add_router(state, n.name, n.router)
    elif p.compute.nova_networking is not None:
        nova_net = p.compute.nova_networking
        for nn in nova_net.networks:
            add_network(state, nn.name, state.provider_project_id, True, False, False, True,
                              [(c, "auto", None) for c in nn.cidrs])
        for pool in nova_net.floating_ip_pools:
            add_network(state, pool.name, state.provider_project_id, False, True, False, True,
                              [(pool.cidr, "auto", None)])
