"""``python -m assistant``: the ``cvm`` command line."""

from assistant.cli.main import main

raise SystemExit(main())
