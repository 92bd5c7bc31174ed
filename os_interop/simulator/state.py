"""The live state of one simulated cloud: every resource, who owns it, and what was there at start.

Resources are plain dicts shaped like the API documents of the service that owns them; keys that
start with ``_`` are the simulator's bookkeeping and never leave the process. Everything seeded from
the personality is remembered, so :meth:`CloudState.created` can show what a run left behind.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import uuid
from datetime import timedelta
from typing import Any

from .listing import public
from .personality import Personality
from .seeding import seed
from .stamps import now

KINDS = ("images", "tasks", "servers", "networks", "subnets", "routers", "ports", "floatingips",
         "security_groups", "security_group_rules", "containers", "objects")
# glance tasks are API records that expire on their own, not resources anyone can delete
RESOURCE_KINDS = tuple(k for k in KINDS if k != "tasks")


class CloudState:
    """All resources of one cloud, guarded by one lock (requests are served on many threads)."""

    images: dict[str, dict[str, Any]]
    tasks: dict[str, dict[str, Any]]
    servers: dict[str, dict[str, Any]]
    networks: dict[str, dict[str, Any]]
    subnets: dict[str, dict[str, Any]]
    routers: dict[str, dict[str, Any]]
    ports: dict[str, dict[str, Any]]
    floatingips: dict[str, dict[str, Any]]
    security_groups: dict[str, dict[str, Any]]
    security_group_rules: dict[str, dict[str, Any]]
    containers: dict[str, dict[str, Any]]
    objects: dict[str, dict[str, Any]]

    def __init__(self, personality: Personality):
        p = personality
        self.lock = threading.RLock()
        self.username = p.credentials.username
        self.project_name = p.credentials.project_name
        self.password = secrets.token_urlsafe(18)
        self.user_id = uuid.uuid4().hex
        self.project_id = uuid.uuid4().hex
        self.provider_project_id = uuid.uuid4().hex
        self.domain = {"id": "default", "name": "Default"}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.flavors = {f.id: dataclasses.asdict(f) for f in p.compute.flavors}
        self.security_group_rules_spec = p.security_groups
        self.store: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        for kind in KINDS:
            setattr(self, kind, self.store[kind])
        self._seed(p)
        self.seeded = {(kind, rid) for kind in KINDS for rid in self.store[kind]}

    def _seed(self, p: Personality) -> None:
        """What is there at start (seeding.py); a subclass may prepare first (a further region shares the project)."""
        seed(self, p)

    # -- tokens and secrets ----------------------------------------------------------------------
    def issue_token(self, version: str) -> dict[str, Any]:
        """A new unguessable, project-scoped token (fernet-looking, like modern keystone)."""
        with self.lock:
            token = {"id": "gAAAAA" + secrets.token_urlsafe(96), "project_id": self.project_id,
                     "user_id": self.user_id, "roles": ["member", "reader"], "version": version,
                     "issued_at": now(), "expires_at": now(timedelta(hours=1)),
                     "audit_ids": [secrets.token_urlsafe(16)[:22]]}
            self.tokens[token["id"]] = token
            return token

    def secrets(self) -> list[str]:
        """The password and every token issued so far (what must never appear in evidence)."""
        with self.lock:
            return [self.password, *self.tokens]

    # -- reporting -------------------------------------------------------------------------------
    def created(self) -> dict[str, list[dict[str, Any]]]:
        """Resources created through the API that still exist, per kind (what a run leaked).

        Things the cloud makes on its own (a project's lazily created default security group and
        its rules, ports and addresses nova creates for a server it still has) are not listed.
        """
        with self.lock:
            out: dict[str, list[dict[str, Any]]] = {}
            for kind in RESOURCE_KINDS:
                items = [public(r) for rid, r in self.store[kind].items()
                         if (kind, rid) not in self.seeded and not r.get("_system")]
                if items:
                    out[kind] = items
            return out

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every resource (not glance task records), per kind, without bookkeeping keys."""
        with self.lock:
            return {kind: [public(r) for r in self.store[kind].values()] for kind in RESOURCE_KINDS}

    def names(self, kind: str) -> list[str]:
        """Sorted names of the resources of one kind (handy in assertions)."""
        with self.lock:
            return sorted(str(r.get("name")) for r in self.store[kind].values())
