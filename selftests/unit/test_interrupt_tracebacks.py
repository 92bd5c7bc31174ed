"""An interrupt whose traceback has an entry with no line number still renders (CI saw
pytest's terminal reporter fail on one, after SIGTERM, with ``None - 1``)."""

from __future__ import annotations

import sys
import types

import pytest

from os_interop import interrupts
from os_interop.plugin import pytest_keyboard_interrupt


def _interrupt_without_a_line(chained: bool) -> KeyboardInterrupt:
    """A KeyboardInterrupt whose innermost entry maps to no source line, as a signal landing on
    a line-less instruction (an exception handler's cleanup) leaves it."""
    try:
        raise KeyboardInterrupt("signal 15")
    except KeyboardInterrupt as exc:
        frame = sys._getframe()
        offset = next(start for start, _end, line in frame.f_code.co_lines() if line is None)
        lineless = types.TracebackType(None, frame, offset, -1)
        assert lineless.tb_lineno is None
        exc.__traceback__.tb_next = lineless
        if not chained:
            return exc
        outer = KeyboardInterrupt("signal 15 during cleanup")
        outer.__context__ = exc
        try:
            raise outer
        except KeyboardInterrupt as raised:
            return raised


@pytest.mark.parametrize("chained", [False, True], ids=["direct", "chained"])
def test_pytest_cannot_render_it_unrepaired(chained):
    excinfo = pytest.ExceptionInfo.from_exception(_interrupt_without_a_line(chained))
    with pytest.raises(TypeError):
        excinfo.getrepr(funcargs=True)


@pytest.mark.parametrize("chained", [False, True], ids=["direct", "chained"])
def test_the_hook_repairs_it_before_the_terminal_reporter(chained):
    excinfo = pytest.ExceptionInfo.from_exception(_interrupt_without_a_line(chained))
    pytest_keyboard_interrupt(excinfo)
    text = str(excinfo.getrepr(funcargs=True))
    assert "KeyboardInterrupt" in text and "signal 15" in text


def test_a_traceback_with_every_line_is_left_as_it_is():
    try:
        raise KeyboardInterrupt("signal 2")
    except KeyboardInterrupt as exc:
        before = exc.__traceback__
        interrupts.with_line_numbers(exc)
        assert exc.__traceback__ is before
