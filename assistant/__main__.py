"""``python -m assistant``: the ``cvm`` command line."""

from assistant.cli import main

raise SystemExit(main())
