"""benchmarks/refcloud_run.py judges only the runs after the warm-up: the first run after
`refcloud up` meets a cold cloud, its figure is printed and marked, never judged; a judged run
over boot + 5 s, or one whose server never became ACTIVE, fails the benchmark."""

import contextlib
import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "refcloud_run", Path(__file__).resolve().parents[2] / "benchmarks" / "refcloud_run.py")
refcloud_run = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(refcloud_run)


def _evidence(boot_s, active=True):
    """A create at t=1 and the poll that sees the server ACTIVE `boot_s` later."""
    create = {"method": "POST", "url": "http://c/v2.1/servers", "status": 202, "time": 1.2, "elapsed_ms": 200}
    poll = {"method": "GET", "url": "http://c/v2.1/servers/s1", "status": 200, "time": 1.0 + boot_s,
            "elapsed_ms": 50, "response_body": {"server": {"status": "ACTIVE" if active else "ERROR"}}}
    return [{"method": "GET", "url": "http://k/", "status": 300, "time": 0.5, "elapsed_ms": 10}, create, poll]


def _main(monkeypatch, capsys, runs, argv):
    """`runs`: (wall, boot, ACTIVE?) per run, in the order they are made."""
    made = []

    @contextlib.contextmanager
    def cloud(config):
        yield Path("clouds.yaml")

    def run(clouds_yaml, source=None, keep=None):
        wall, boot, active = runs[len(made)]
        made.append(source)
        return wall, 0, _evidence(boot, active), 0.0, wall
    monkeypatch.setattr(refcloud_run, "reference_cloud", cloud)
    monkeypatch.setattr(refcloud_run, "run", run)
    code = refcloud_run.main(argv)
    return code, capsys.readouterr().out.splitlines(), made


def test_the_cold_run_is_printed_not_judged(monkeypatch, capsys):
    code, lines, made = _main(monkeypatch, capsys, [(20.0, 8.0, True), (6.0, 2.0, True), (6.5, 2.0, True)],
                              ["--runs", "2"])
    assert code == 0 and len(made) == 3
    assert "[cold cloud, not judged]" in lines[0] and "+12.0 s" in lines[0]
    assert not lines[0].endswith(("PASS", "MISS")) and all(l.endswith("PASS") for l in lines[1:])


def test_a_warm_run_over_boot_plus_5_s_fails(monkeypatch, capsys):
    code, lines, _ = _main(monkeypatch, capsys, [(9.0, 8.0, True), (6.0, 2.0, True), (7.5, 2.0, True)],
                           ["--runs", "2"])
    assert code == 1 and lines[-1].endswith("MISS") and "+5.5 s" in lines[-1]


def test_a_run_whose_server_never_became_active_fails(monkeypatch, capsys):
    code, lines, _ = _main(monkeypatch, capsys, [(9.0, 8.0, True), (6.0, 2.0, False)], ["--runs", "1"])
    assert code == 1 and "no server became ACTIVE" in lines[-1]


def test_the_warm_up_uses_the_first_source_and_each_source_is_judged(monkeypatch, capsys, tmp_path):
    runs = [(9.0, 8.0, True)] + [(6.0, 2.0, True)] * 4
    code, lines, made = _main(monkeypatch, capsys, runs,
                              ["--source", f"a={tmp_path}/a", "--source", f"b={tmp_path}/b", "--runs", "2"])
    assert code == 0
    assert made == [tmp_path / "a"] * 3 + [tmp_path / "b"] * 2
    assert [l.split("[")[1].split("]")[0] for l in lines] == ["cold cloud, not judged", "a", "a", "b", "b"]


def test_no_warm_up_judges_every_run(monkeypatch, capsys):
    code, lines, _ = _main(monkeypatch, capsys, [(20.0, 8.0, True)], ["--runs", "1", "--warm-up", "0"])
    assert code == 1 and len(lines) == 1 and lines[0].endswith("MISS")
