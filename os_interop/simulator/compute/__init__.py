"""Nova, one module per resource: flavors, limits, servers, server actions and sub-resources, proxy APIs."""

from .service import ComputeService

__all__ = ["ComputeService"]
