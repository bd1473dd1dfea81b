"""A generated base imported once per test module, copied into each test's state dir.

Tests that ask questions of a generated base (not of the import itself) imported
it again in every test. :func:`import_once` imports it once, as ``cvm import
--replace`` would; each test puts a copy of that store in its own state dir with
:func:`tools.store.build.copy_store`, the file the import wrote, row store
included, so a test may still write to its copy.
"""

from __future__ import annotations

from pathlib import Path

from tools.config import get_config
from tools.customer_base import DERIVED
from tools.store.build import STORE_FILE
from tools.store.generate import generate
from tools.store.importer import import_path


def import_once(root: Path, n: int, seed: int) -> Path:
    """Generate ``n`` customers (``seed``) under ``root`` and import them into a store.

    Returns:
        The store file (in ``root/state``), imported with the default id pattern.
    """
    generate(n, seed, root / "base")
    store = root / "state" / STORE_FILE
    store.parent.mkdir(parents=True)
    pattern = get_config().validation.customer_id_pattern
    import_path(root / "base", store, pattern, DERIVED, replace=True)
    return store
