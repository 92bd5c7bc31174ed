"""Glance, one module per API: v2 images, interoperable import, tasks, v1; shared image records."""

from .service import ImageService

__all__ = ["ImageService"]
