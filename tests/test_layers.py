"""The layer contract: store < kernel < planning; tools never import assistant.

The contracts are import-linter's (``[tool.importlinter]`` in pyproject.toml);
here they run once more, with a check at run time that the store loads alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_layer_contracts_hold():
    """import-linter's contracts in pyproject.toml (``make test`` runs it too)."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_store_imports_and_imports_a_base_without_the_kernel(tmp_path):
    code = (
        "import sys\n"
        "import tools.store.importer, tools.store.duck, tools.store.memory\n"
        "import tools.store.source, tools.store.stage, tools.store.merge\n"
        "assert not [m for m in sys.modules if m.startswith('tools.kernel')]\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
