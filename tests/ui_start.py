"""Start the chat UI in a subprocess and read what it said when it stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def failed_ui_start(**env: str) -> str:
    """Run ``chainlit run assistant/ui/app.py`` with ``env`` set; return its output.

    Asserts that the server stopped (non-zero exit) and printed no traceback;
    CI is unset because chainlit logs its own banner under CI.
    """
    chainlit = Path(sys.executable).parent / "chainlit"
    out = subprocess.run(
        [str(chainlit), "run", "assistant/ui/app.py", "--headless", "--port", "1"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "CI"}, **env},
    )
    assert out.returncode != 0
    text = (out.stdout + out.stderr).strip()
    assert "Traceback" not in text
    return text
