"""``chainlit run`` serving on a listening socket handed down by a test.

Usage: ``python tests/ui_serve.py FD [chainlit run arguments...]``

The test (``tests/ui_start.py``) binds and listens before it starts this process, so
the port is the kernel's free choice and requests made at once wait in the backlog
until the server answers. Chainlit's CLI takes a host and a port only; uvicorn's
``Server.serve(sockets=...)`` takes sockets, so the one serve call chainlit makes is
given this socket. Were chainlit ever to serve some other way, uvicorn would try to
bind the port held here and stop with "address already in use": a loud failure.
"""

from __future__ import annotations

import socket
import sys
from typing import Any


def main(argv: list[str]) -> None:
    """Run chainlit's ``run`` command on the socket of file descriptor ``argv[0]``."""
    sock = socket.socket(fileno=int(argv[0]))  # family and type read from the fd

    import uvicorn

    serve = uvicorn.Server.serve

    async def serve_handed(self: Any, sockets: Any = None) -> None:
        await serve(self, sockets=[sock] if sockets is None else sockets)

    uvicorn.Server.serve = serve_handed  # type: ignore[method-assign]

    from chainlit.cli import cli

    cli(["run", *argv[1:]], prog_name="chainlit")


if __name__ == "__main__":
    main(sys.argv[1:])
