"""The demo's reports as their readers get them: the terminal, the files, and the HTML in a browser.

The browser is headless Chromium (Debian's `chromium`), offline: the page is a file, network
features are off, and the page itself is checked to have fetched nothing. What a person sees
is read back from the rendered DOM: cell text, computed colours, and that a cell opens onto
its evidence. The screenshot (a cell opened) is kept at SCREENSHOT for people to look at.
"""

from __future__ import annotations

import html as htmllib
import itertools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import cli

SCREENSHOT = Path("/tmp/os-interop-report.png")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1600,1100"]

# Appended to a copy of the report: reads what the browser rendered, then writes it into the page.
PROBE = """<script>
(function(){
  var out = {colours: {}, resources: performance.getEntriesByType('resource').length};
  document.querySelectorAll('table.matrix td[data-outcome]').forEach(function(td){
    var o = td.dataset.outcome, c = getComputedStyle(td).backgroundColor;
    (out.colours[o] = out.colours[o] || {})[c] = 1;
  });
  var cell = document.querySelector('table.matrix td[data-outcome=diverge] details.cell');
  out.visibleBefore = cell.querySelector('.pop').checkVisibility();
  cell.querySelector('summary').click();
  out.open = cell.open;
  out.visibleAfter = cell.querySelector('.pop').checkVisibility();
  out.popHeight = cell.querySelector('.pop').getBoundingClientRect().height;
  out.popText = cell.querySelector('.pop').innerText;
  var link = cell.querySelector('a.ev');
  out.target = link.getAttribute('href');
  location.hash = out.target;
  setTimeout(function(){
    var t = document.getElementById(out.target.slice(1));
    out.targetOpen = t.open;
    out.targetText = t.innerText;
    out.cellStillOpen = cell.open;
    cell.scrollIntoView({block: 'center'});
    var pre = document.createElement('pre'); pre.id = 'probe-result';
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  }, 200);
})();
</script></body>"""


def _rgb(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    done = cli("demo", "--out", str(out))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out, done.stdout


@pytest.fixture(scope="module")
def chromium():
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return binary


def _browse(chromium: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args,
                           page.as_uri()], capture_output=True, text=True, timeout=120)


def test_terminal_shows_one_summary_and_a_matrix_that_fits(demo):
    _, stdout = demo
    matrix_part = stdout[stdout.index("legend: "):stdout.index("requests served per simulated cloud")]
    # the matrix ends where pytest's own sections (warnings, the final counts) begin
    matrix_lines = list(itertools.takewhile(lambda l: not l.startswith("="), matrix_part.splitlines()))
    assert len(matrix_lines) > 20
    too_wide = [l for l in matrix_lines if len(l) > 120]
    assert not too_wide, too_wide[:3]
    # the run's summary table is printed once; the matrix does not repeat it
    assert stdout.count("not-run  info  leaked") == 0 and "run 2" not in matrix_part
    assert re.search(r"\d+ of \d+ capabilities diverge on at least one of 18 clouds", stdout)


def test_report_files(demo):
    out, _ = demo
    text = (out / "report.txt").read_text()
    assert max(len(l) for l in text.splitlines()) <= 120
    assert text.startswith("os-interop report: 18 clouds in 1 run · suite ")
    md = (out / "report.md").read_text()
    assert md.startswith("# os-interop report\n") and "## Legend" in md and "## floating_ip" in md
    data = json.loads((out / "report.json").read_text())
    # the count is the rows where a graded capability diverges on some cloud
    assert data["divergent"] == sum(
        1 for r in data["rows"] if r["status"] != "informational"
        and any(c and c["outcome"] == "diverge" for c in r["cells"].values()))
    assert 0 < data["divergent"] < len(data["rows"])


def test_junit_and_compare_from_the_cli(demo, tmp_path):
    out, _ = demo
    done = cli("report", str(out / "results"), "--format", "junit", "-o", str(tmp_path / "j.xml"))
    assert done.returncode == 0, done.stderr
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert len(root.findall("testsuite")) == 18
    assert root.findall(".//failure[@type='divergence']")
    done = cli("report", "--compare", str(out / "results"), str(out / "results"))
    assert done.returncode == 0 and "no changes" in done.stdout, done.stderr
    done = cli("report", "--compare", str(out / "results"), str(out / "results"), "--format", "html")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1


def test_html_in_a_browser(demo, chromium, tmp_path):
    out, _ = demo
    page = out / "report.html"
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE, 1), encoding="utf-8")
    dom = _browse(chromium, probed, tmp_path / "profile-b", "--dump-dom",
                  "--virtual-time-budget=5000").stdout
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    assert "<summary>diverge 2.0</summary>" in dom        # auro-2015 speaks identity v2.0
    assert "<summary>pass 3</summary>" in dom
    seen = json.loads(htmllib.unescape(found.group(1)))
    assert seen["resources"] == 0                          # nothing fetched
    colours = {o: set(c) for o, c in seen["colours"].items()}
    assert all(len(c) == 1 for c in colours.values()), colours   # one colour per outcome
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)
    r, g, b = _rgb(next(iter(colours["pass"])))
    assert g > r and g > b                                 # pass is green
    r, g, b = _rgb(next(iter(colours["diverge"])))
    assert r > b and g > b                                 # diverge is amber
    assert not seen["visibleBefore"] and seen["open"] and seen["visibleAfter"] and seen["popHeight"] > 0
    assert "interoperable" in seen["popText"]              # the reason
    assert re.search(r"GET http://127\.0\.0\.1:\d+/\S* → \d{3}", seen["popText"])
    assert seen["targetOpen"] and "request" in seen["targetText"] and "response" in seen["targetText"]

    shot = _browse(chromium, probed, tmp_path / "profile-c", f"--screenshot={SCREENSHOT}",
                   "--virtual-time-budget=5000")
    assert SCREENSHOT.stat().st_size > 10000, shot.stderr[-1000:]


def test_report_bad_input_is_one_line_exit_2(demo, tmp_path):
    out, _ = demo
    results_dir = str(out / "results")
    cases = [
        (("report",), "pass results directories"),
        (("report", results_dir, "--compare", results_dir, results_dir), "takes no other results"),
        (("report", "--compare", str(tmp_path / "nowhere"), results_dir), "no such file"),
        (("report", "--compare", str(out / "results" / "auro-2015"), str(out / "results" / "ovh-2018")),
         "share no cloud"),
    ]
    for args, expected in cases:
        done = cli(*args)
        lines = [l for l in done.stderr.splitlines() if l.strip()]
        assert done.returncode == 2 and len(lines) == 1 and expected in lines[0], (args, done.stderr)
        assert "Traceback" not in done.stderr
    # a tree and a directory inside it name one results file: it is read once, not refused
    done = cli("report", results_dir, str(out / "results" / "auro-2015"), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["clouds"].count("auro-2015") == 1
