"""No customer's id in the product's code: every customer is decided by the same rules.

The sample customers' ids may appear in help text, examples and docstrings, never
where code could treat one customer differently: a comparison, a membership test, a
dictionary key, a subscript, a set, a ``match`` case, or the configuration.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [p for d in ("tools", "assistant") for p in sorted((ROOT / d).rglob("*.py"))]
SAMPLE_IDS = {
    c["customer_id"]
    for c in json.loads((ROOT / "tools/data/customers.json").read_text())["customers"]
}
ID_LIKE = re.compile(r"\bU\d{3,8}\b")


def _ids_in(node: ast.AST | None) -> list[str]:
    """Customer ids (sample ones, or any id-shaped word) in the constants under node."""
    if node is None:
        return []
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            words = set(ID_LIKE.findall(n.value)) | (SAMPLE_IDS & {n.value.strip()})
            found += sorted(words)
    return found


def special_cases(source: str) -> list[tuple[int, str]]:
    """(line, id) for each customer id where code could single a customer out."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        parts: list[ast.AST | None] = []
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
        elif isinstance(node, ast.Dict):
            parts = list(node.keys)
        elif isinstance(node, ast.Subscript):
            parts = [node.slice]
        elif isinstance(node, ast.Set):
            parts = list(node.elts)
        elif isinstance(node, ast.match_case):
            parts = [node.pattern]
        for part in parts:
            out += [(getattr(node, "lineno", 0), i) for i in _ids_in(part)]
    return out


def test_the_detector_finds_a_special_case():
    """It can fail: each way of singling out a customer is caught."""
    cases = [
        'if customer_id == "U131":\n    pass',
        'if cid in ("U125", "U124"):\n    pass',
        'BOOST = {"U128": 0.3}',
        'p = table["U999"]',
        'VIP = {"U1000123"}',
        'match cid:\n    case "U133":\n        pass',
    ]
    for source in cases:
        assert special_cases(source), source
    # examples and help text are not special cases
    assert not special_cases('EXAMPLES = ("What should we offer U124?", "U124")')
    assert not special_cases('def f():\n    """E.g. U124."""')


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_customer_is_singled_out_in_the_code(path):
    assert special_cases(path.read_text(encoding="utf-8")) == []


def test_the_configuration_names_no_customer():
    for path in sorted((ROOT / "config").rglob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        assert not ID_LIKE.findall(text), path
        assert not [i for i in SAMPLE_IDS if i in text], path
