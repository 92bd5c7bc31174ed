"""The run's server create, issued first: it builds in a background thread while probes read.

A server boot takes 30-120 s on a real cloud, and the read-only probes need nothing from it.
So the first probe on a cloud whose selection needs the server starts the boot (the same
`cloud.remember("server", ...)` memo the fixtures use) in a thread; a probe that needs the
server waits for that memo like any second caller. The thread's exchanges carry the test
that would have booted in a serial run (the first selected probe using the server), so the
evidence reads the same; whatever the boot raises (Unknown, blocked, a skip) is remembered
and raised in each probe that uses the server, as before.

The thread is tracked by the cloud's journal. When the run ends — its last probe, Ctrl-C or
SIGTERM — cleanup first closes the journal (RunState.clean_up_workers_clouds): no create after
that, none half-journaled, the thread's polls end at once, and a request still in flight gets
its answer window (bounded by the cloud's api_timeout) so cleanup sees the create answered and
journaled; if it is still unanswered, cleanup's own wait for an in-flight create takes over.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from os_interop.cloud import CloudUnderTest


class Ahead:
    """`cloud.remember(key, compute)` run in a background thread, credited to `test_id`."""

    def __init__(self, cloud: CloudUnderTest, key: str, compute: Callable[[], Any],
                 test_id: str) -> None:
        self.cloud, self.key, self.compute, self.test_id = cloud, key, compute, test_id
        self.thread = threading.Thread(target=self._run, name=f"osi-{key}-{cloud.name}", daemon=True)

    def start(self) -> "Ahead":
        self.cloud.resources.track(self.thread)
        self.thread.start()
        return self

    def _run(self) -> None:
        self.cloud.conn.recorder.begin_test(self.test_id)
        try:
            self.cloud.remember(self.key, self.compute)
        except BaseException:  # noqa: BLE001 - remembered: the probes using it report it
            pass

    def stop(self) -> bool:
        """No more creates, no more polls (Journal.close); True when the thread has ended."""
        self.cloud.resources.close()
        return not self.thread.is_alive()
