"""The layer contract: store < kernel < planning; tools never import assistant."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> what no module of it may import (at the top or inside a function)
FORBIDDEN = {
    "tools/store": ("tools.kernel", "tools.planning", "assistant"),
    "tools/kernel": ("tools.planning", "assistant"),
    "tools": ("assistant",),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_its_own(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _imports(path):
            for above in FORBIDDEN[package]:
                if name == above or name.startswith(above + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert bad == []


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
