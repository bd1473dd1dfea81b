"""``cvm`` commands run in the test's own process, as a process would give them.

A ``cvm`` process costs ~0.4 s of CPU to start (the interpreter and the tools'
imports); a test of what a command prints, returns and writes runs the command's
own ``main`` here instead: :func:`in_process` gives its exit code, stdout and
stderr as a :class:`subprocess.CompletedProcess`. What only a process shows (the
entry point's exit, a race between processes, a change seen by another process,
what a start imports) still starts real ones.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout

import pytest

CVM = [sys.executable, "-m", "assistant"]


def in_process(
    args: Sequence[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``cvm args`` in this process, with ``env`` set while it runs."""
    from assistant.cli.main import main
    from tools import data

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's refusals
                code = exc.code if isinstance(exc.code, int) else 1
        data.clear_cache()
    return subprocess.CompletedProcess(
        [*CVM, *args], code, out.getvalue(), err.getvalue()
    )
