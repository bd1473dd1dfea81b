"""The configuration with what the ledger's outcomes taught (no numpy, no store).

:func:`with_outcomes` is read on every use of ``ToolContext.config``: one indexed
read of the outcomes' version, and the counts table (a few rows) once per version.
The kernel turns the counts into the Beta posterior of :mod:`tools.kernel.learned`.
"""

from __future__ import annotations

import threading

from tools.config import CVMConfig
from tools.ledger.protocol import LedgerStore

_KEPT = 16
_made: dict[tuple[int, str, int], tuple[CVMConfig, CVMConfig]] = {}
_lock = threading.Lock()


def with_outcomes(config: CVMConfig, ledger: LedgerStore) -> CVMConfig:
    """``config`` with the ledger's outcome counts (itself when nothing is learned).

    Made once per configuration object and outcomes version, so the kernel's
    per-configuration arrays stay warm until an outcome changes the counts.
    """
    if not config.learning.enabled:
        return config
    version = ledger.outcomes_version()
    if version == 0:
        return config
    key = (id(config), ledger.location, version)
    hit = _made.get(key)
    if hit is not None and hit[0] is config:
        return hit[1]
    rows = tuple(
        (
            c.cell.treatment_key,
            c.cell.value_level,
            c.cell.churn_level,
            c.cell.fit,
            c.trials,
            c.accepted,
        )
        for c in ledger.outcome_counts()
    )
    made = config.model_copy(update={"learned_counts": rows})
    with _lock:
        _made[key] = (config, made)
        while len(_made) > _KEPT:
            _made.pop(next(iter(_made)))
    return made
