"""critical_path.py: a forked child whose server builds drops every thread of it to nice 19,
once, and tells the parent; a process that did not enable it (plain pytest) never changes its
priority. Each case runs in its own interpreter: the test process keeps its own priority."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from os_interop.critical_path import YIELDED_NICE

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="threads' priorities need Linux /proc")


def _in_fresh_interpreter(body: str) -> dict:
    script = textwrap.dedent("""
        import json, os, threading
        from os_interop import critical_path
        def nices():
            return sorted(os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task"))
        release = threading.Event()
        waiting = threading.Thread(target=release.wait, daemon=True)
        waiting.start()                     # a thread started before the yield
        out = {"before": nices()}
    """) + textwrap.dedent(body) + "\nrelease.set()\nprint(json.dumps(out))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_enabled_process_yields_every_thread_once_its_server_builds_and_says_so_once():
    out = _in_fresh_interpreter("""
        told = []
        critical_path.enable(lambda: told.append("yielded"))
        critical_path.server_building()
        critical_path.server_building()     # a second build (the explicit-network boot): no second word
        later = []
        t = threading.Thread(target=lambda: later.append(os.getpriority(os.PRIO_PROCESS, 0)))
        t.start(); t.join()
        out.update(after=nices(), told=told, later=later)
    """)
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert out["before"] == [base, base]
    assert out["after"] == [max(base, YIELDED_NICE)] * 2
    assert out["later"] == [max(base, YIELDED_NICE)]     # a thread started afterwards inherits it
    assert out["told"] == ["yielded"]


def test_a_process_that_did_not_enable_it_keeps_its_priority():
    out = _in_fresh_interpreter("""
        critical_path.server_building()
        out.update(after=nices())
    """)
    assert out["after"] == out["before"]


def test_a_priority_is_only_ever_lowered():
    out = _in_fresh_interpreter("""
        critical_path.lower_priority(19)
        critical_path.lower_priority(5)     # never back up, even where that is allowed (root)
        out.update(after=nices())
    """)
    assert out["after"] == [19, 19]
