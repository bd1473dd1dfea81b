"""The chat UI in a subprocess for tests: outside the repo, on a port nobody races for.

* :func:`make_app_root` lays out what ``chainlit run`` reads and writes in its working
  directory (``.chainlit/``, ``public/``, ``chainlit.md``, ``.files/``) in a temporary
  folder, so a test run writes nothing into the repository. One per server: a
  chainlit server removes its app root's ``.files/`` when it stops.
* :func:`start_ui` binds 127.0.0.1 port 0 (the kernel picks a free port: no race with
  concurrent runs on the machine), listens, and hands the listening socket to the
  server (``tests/ui_serve.py``). A request sent at once waits in the socket's
  backlog until the server answers: no polling, no fixed wait. A server that dies
  closes the socket, and the waiting request fails at once with its log.
* :func:`failed_ui_start` runs a start that must fail and returns what it printed.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "assistant" / "ui" / "app.py"
SERVE = Path(__file__).resolve().parent / "ui_serve.py"
# What chainlit reads from its app root (the repository's copies are the product's)
APP_FILES = (
    ".chainlit/config.toml",
    ".chainlit/translations/en-US.json",
    "chainlit.md",
)
STARTUP_TIMEOUT = 90  # seconds for the first page (a loaded machine: ~4 s when quiet)


def make_app_root(dest: Path) -> Path:
    """A chainlit app root in ``dest``: the repo's config, translations, public/."""
    for name in APP_FILES:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, dest / name)
    shutil.copytree(ROOT / "public", dest / "public", dirs_exist_ok=True)
    return dest


def _listening() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def _command(sock: socket.socket) -> list[str]:
    port = str(sock.getsockname()[1])
    return [sys.executable, str(SERVE), str(sock.fileno()), str(APP), "--headless"] + [
        "--host",
        "127.0.0.1",
        "--port",
        port,
    ]


def _env(
    app_root: Path, env: Mapping[str, str], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    # CI unset: chainlit's CLI logs its own banner and invents an API key under CI
    given = os.environ if base is None else base
    clean = {k: v for k, v in given.items() if k != "CI"}
    return {**clean, "CHAINLIT_APP_ROOT": str(app_root), **env}


@contextmanager
def start_ui(
    app_root: Path,
    env: Mapping[str, str],
    log: Path,
    base: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve the chat UI until the block ends; yields its URL once it answers.

    Args:
        app_root: A folder from :func:`make_app_root` (the server's working dir).
        env: Variables set for the server on top of ``base``.
        log: Where the server's output goes.
        base: The server's environment before ``env`` (default: this process's).

    Raises:
        RuntimeError: The server stopped or did not answer; with its log.
    """
    sock = _listening()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    with log.open("w") as out:
        proc = subprocess.Popen(
            _command(sock),
            cwd=app_root,
            env=_env(app_root, env, base),
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    sock.close()  # the server holds it now: if it dies, the request below fails
    try:
        try:
            urllib.request.urlopen(url, timeout=STARTUP_TIMEOUT).close()
        except (OSError, http.client.HTTPException) as exc:
            raise RuntimeError(
                f"chainlit did not answer ({exc!r}):\n{log.read_text()[-5000:]}"
            ) from None
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def failed_ui_start(**env: str) -> str:
    """Start the chat UI with ``env`` set; it must stop; return its output.

    Asserts that the server stopped (non-zero exit) and printed no traceback. It is
    handed a listening socket like :func:`start_ui`, so a server that wrongly
    starts holds no contested port (and ends the test by the timeout).
    """
    with tempfile.TemporaryDirectory(prefix="cvm-ui-") as tmp, _listening() as sock:
        root = make_app_root(Path(tmp))
        out = subprocess.run(
            _command(sock),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=240,  # a hang guard: ~3 s quiet, 60+ s at load 50 (CI, shared)
            env=_env(root, env),
            pass_fds=(sock.fileno(),),
        )
    assert out.returncode != 0
    text = (out.stdout + out.stderr).strip()
    assert "Traceback" not in text
    return text
