"""Write a plan's candidates or assignment to CSV or Parquet.

``export_candidates`` writes every lawful customer × treatment pair with the limits in
force, so anyone can re-solve the problem and check the optimum independently.
Written whole or not at all by :func:`tools.table_files.write_table` (CSV through
the stdlib, Parquet through DuckDB: no pandas or pyarrow needed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tools.errors import ToolInputError
from tools.planning.problem import PlanProblem
from tools.planning.store import PlanRow
from tools.table_files import write_table

CANDIDATE_COLUMNS = (
    "customer_id",
    "treatment_key",
    "expected_value",
    "cost",
    "high_value",
    "capacity",
    "capacity_standard",
)
ASSIGNMENT_COLUMNS = ("customer_id", "treatment_key", "expected_value", "cost")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ToolInputError(f"{path}: export to a .csv or .parquet file")
    return suffix[1:]


def _write(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write atomically (a temp file renamed into place); returns the row count.

    Raises:
        ToolInputError: Not a .csv or .parquet name, or the file cannot be written
            (one line naming it; nothing is left half-written).
    """
    parquet = _format(path) == "parquet"
    try:
        return write_table(path, columns, rows, parquet=parquet)
    except OSError as exc:
        raise ToolInputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def export_candidates(problem: PlanProblem, path: str | Path) -> int:
    """Every lawful pair with its EV, cost and its treatment's remaining limits."""
    p = problem

    def cap(x: float) -> str:
        return "" if math.isinf(x) else str(int(x))

    caps = [(cap(a), cap(s)) for a, s in zip(p.cap_all, p.cap_std, strict=True)]
    rows = (
        (
            p.customer_ids[c],
            p.treatments[t],
            f"{ev:.2f}",
            f"{cost:.2f}",
            int(p.high_value[c]),
            *caps[t],
        )
        for c, t, ev, cost in zip(
            p.pair_customer.tolist(),
            p.pair_treatment.tolist(),
            p.ev.tolist(),
            p.cost.tolist(),
            strict=True,
        )
    )
    return _write(Path(path), CANDIDATE_COLUMNS, rows)


def export_assignment(rows: Iterable[PlanRow], path: str | Path) -> int:
    """A plan's bookings: customer, treatment, EV and cost."""
    return _write(
        Path(path),
        ASSIGNMENT_COLUMNS,
        (
            (r.customer_id, r.treatment_key, f"{r.expected_value:.2f}", f"{r.cost:.2f}")
            for r in sorted(rows, key=lambda r: r.seq)
        ),
    )
