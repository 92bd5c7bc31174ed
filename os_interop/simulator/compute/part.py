"""What every nova part shares: the microversion type and the way to reach the service's checks and siblings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keystoneauth1 import discover

from ..service import Part

if TYPE_CHECKING:
    from .service import ComputeService

MV = tuple[int, int]


def mv(text: str) -> MV:
    """``"2.37"`` as ``(2, 37)``, parsed the way keystoneauth parses it."""
    major, minor = discover.normalize_version_number(text)[:2]
    return int(major), int(minor)


class ComputePart(Part):
    """A nova resource part: microversion checks and networking facts come from :attr:`service`."""

    service: ComputeService

    @property
    def servers(self) -> Any:
        return self.service.servers

    @property
    def proxy(self) -> Any:
        return self.service.proxy
