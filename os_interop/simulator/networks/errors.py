"""The one failure type of the network model, raised by neutron and nova code alike."""

from __future__ import annotations

class NetError(Exception):
    """A neutron-style failure: HTTP status, neutron exception type, message."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
