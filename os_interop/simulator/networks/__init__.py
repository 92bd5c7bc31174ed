"""Neutron, one module per resource: networks and subnets, ports, routers, floating IPs, security groups,
auto-allocation; the shared collection behaviour in :mod:`.collection`."""

from .service import NetworkService

__all__ = ["NetworkService"]
