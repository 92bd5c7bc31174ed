"""The composition root: which services a cloud mounts, decided by its personality.

A new service is a :class:`~.service.Service` subclass in a module (or package) of its own, with
``prefix``, ``name``, ``service_type`` and, when its catalog URL is not the bare prefix,
``catalog_url``; its resources are :class:`~.service.Part` subclasses listed in its ``parts``.
Registering it is one line in :data:`MOUNTED` (the service, and whether a personality has it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .block_storage import BlockStorageService
from .compute import ComputeService
from .identity import IdentityService
from .images import ImageService
from .networks import NetworkService
from .object_store import ObjectStoreService
from .personality import Personality
from .service import Service

if TYPE_CHECKING:
    from .cloud import Cloud

MOUNTED: tuple[tuple[type[Service], Callable[[Personality], bool]], ...] = (
    (IdentityService, lambda p: True),
    (ImageService, lambda p: True),
    (ComputeService, lambda p: True),
    (NetworkService, lambda p: p.network.service != "absent"),  # "broken" is in the catalog and answers 404
    (ObjectStoreService, lambda p: p.object_store),
    (BlockStorageService, lambda p: p.block_storage is not None),
)


def mount(cloud: Cloud) -> list[Service]:
    """The cloud's services, built in catalog order."""
    return [cls(cloud) for cls, offered in MOUNTED if offered(cloud.personality)]
