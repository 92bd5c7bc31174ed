"""reporters.display: the one way a value is shown in one line."""

from __future__ import annotations

from reporters.display import compact, one_line, shorten


def test_compact_reads_like_the_value():
    assert compact("v2") == "v2"
    assert compact(["qcow2", "raw"]) == "qcow2,raw"
    assert compact({"public": True}) == "public=true"
    assert compact([]) == "[]" and compact({}) == "{}" and compact(3) == "3" and compact(None) == "null"


def test_one_line_marks_absence_and_cuts_long_values():
    assert one_line(None) == "-"
    assert one_line(False) == "false"
    long = one_line(["x" * 50, "y" * 50], 20)
    assert len(long) == 20 and long.endswith("…")
    assert shorten("abc", 3) == "abc" and shorten("abcd", 3) == "ab…"
