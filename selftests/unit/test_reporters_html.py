"""The HTML report, read as a parser reads it: self-contained, escaped, each cell's evidence linked.

The browser's view of the same file is selftests/e2e/test_report_browser.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from reporters import html, matrix
from selftests.unit import report_docs

CAPS_A = [("identity.versions", "identity", "required", "pass", "3"),
          ("image.format.preferred", "image_format", "advisory", "diverge", "<script>alert(1)</script>"),
          ("upload.tasks", "upload_method", "informational", "pass", "admin-only"),
          ("compute.boot", "network_attach", "required", "not-run", None)]
CAPS_B = [("identity.versions", "identity", "required", "error", None, "HTTP 503 <b>down</b>"),
          ("image.format.preferred", "image_format", "advisory", "pass", "qcow2"),
          ("upload.tasks", "upload_method", "informational", "pass", "user"),
          ("compute.boot", "network_attach", "required", "fail", None, "no flavor fits")]
SECRET = "s3cr3t-passw0rd-value"


class Page(HTMLParser):
    """Every tag with its attributes, the text inside <style>/<script>, and elements by id."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self.ids: set[str] = set()
        self._in: str | None = None
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self._in = tag if tag in self.raw else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    docs = [report_docs.document("alpha", CAPS_A, guideline="2026.1"),
            report_docs.document("beta", CAPS_B, region="Kna1", run_id="20260102bbbbbb")]
    dirs = [report_docs.write(root, d, secret=SECRET) for d in docs]
    text = html.render(matrix.build(docs), [html.Evidence.beside(d / "results.json") for d in dirs])
    return text, Page(text)


def test_fetches_nothing(page):
    text, parsed = page
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "source", "video",
                           "audio", "form"), tag
        for name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
            if name in attrs:
                assert attrs[name].startswith("#"), (tag, name, attrs[name])
        assert "url(" not in attrs.get("style", "")
    style, script = "".join(parsed.raw["style"]), "".join(parsed.raw["script"])
    assert style and script                           # inline, not fetched
    for raw in (style, script):
        assert "url(" not in raw and "@import" not in raw and "://" not in raw
    assert "fetch(" not in script and "XMLHttpRequest" not in script


def test_everything_is_escaped(page):
    text, parsed = page
    assert "<script>alert(1)" not in text and "<b>down</b>" not in text
    assert "&lt;script&gt;alert(1)" in text and "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in text
    assert "<b>not markup</b>" not in text              # a body field from the evidence
    assert [t for t, _ in parsed.tags].count("script") == 1


def test_secrets_are_masked_again(page):
    text, _ = page
    assert SECRET not in text
    assert '&quot;password&quot;: &quot;***&quot;' in text and "X-Auth-Token: ***" in text


def test_header_names_runs_clouds_version_guideline_and_legend(page):
    text, parsed = page
    words = " ".join(" ".join(parsed.text).split())
    for expected in ("os-interop report", "run 20260101aaaaaa", "run 20260102bbbbbb", "2026-01-01 00:00Z",
                     "suite 9.9.9", "guideline 2026.1", "alpha", "beta", "Kna1",
                     "1 of 4 capabilities diverge"):
        assert expected in words, expected
    for shown in matrix.SHOWN:
        assert matrix.MEANING[shown] in words


def test_cells_are_coloured_by_outcome_and_show_value(page):
    text, parsed = page
    cells = {a["id"]: a for t, a in parsed.tags if t == "td" and a.get("id", "").startswith("cell-")}
    # rows in pain-point order: identity, image_format, upload_method, network_attach
    assert [cells[f"cell-{r}-0"]["data-outcome"] for r in range(4)] == ["pass", "diverge", "info", "not-run"]
    assert [cells[f"cell-{r}-1"]["data-outcome"] for r in range(4)] == ["error", "pass", "info", "fail"]
    assert all(f"o-{a['data-outcome']}" in a["class"] for a in cells.values())
    assert "<summary>pass 3</summary>" in text and "<summary>admin-only</summary>" in text
    assert "<summary>not run</summary>" in text


def test_each_cited_exchange_is_linked_from_its_cell_and_present_once(page):
    text, parsed = page
    links = [a["href"][1:] for t, a in parsed.tags if t == "a" and a.get("class") == "ev"]
    assert links and set(links) <= parsed.ids
    exchanges = [a["id"] for t, a in parsed.tags if t == "details" and a.get("class") == "exchange"]
    assert len(exchanges) == len(set(exchanges)) == len(set(links))
    # alpha's identity.versions cites alpha-0: method, URL and status reachable from the cell
    assert "ev-0-alpha-0" in links
    assert "GET http://127.0.0.1:9/identity.versions → 200" in text


def test_missing_evidence_is_said_not_hidden(tmp_path):
    doc = report_docs.document("gamma", CAPS_A)
    text = html.render(matrix.build([doc]), [html.Evidence.beside(tmp_path / "nowhere" / "results.json")])
    assert "no evidence:" in text and "could not be read" in text
