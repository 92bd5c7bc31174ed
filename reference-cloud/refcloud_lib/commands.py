"""Running one external command with its output kept in a log file."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from .report import RefcloudError


def run(argv: Sequence[str | os.PathLike], *, what: str, log: Path | None = None,
        env: Mapping[str, str] | None = None, cwd: Path | None = None,
        stdin_text: str | None = None, timeout: float = 900) -> str:
    """Run `argv`; return its output, or raise RefcloudError naming `what`.

    With `log`, output is appended there (and the error points at it);
    without, the last lines of output go into the error message.
    """
    argv = [str(a) for a in argv]
    try:
        proc = subprocess.run(argv, input=stdin_text, capture_output=True, text=True,
                              env=dict(env) if env is not None else None,
                              cwd=cwd, timeout=timeout)
    except FileNotFoundError:
        raise RefcloudError(f"{what}: command not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise RefcloudError(f"{what}: no result after {timeout:.0f}s", log) from None
    output = proc.stdout + proc.stderr
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(argv)}\n{output}\n")
    if proc.returncode != 0:
        if log is not None:
            raise RefcloudError(f"{what} failed (exit {proc.returncode})", log)
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise RefcloudError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout
