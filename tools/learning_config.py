"""The ``learning`` section of the configuration: how much the prior weighs.

Read by the kernel's learned P(accept) (:mod:`tools.kernel.learned`): the prior in
force is worth ``prior_strength`` pseudo-trials of a cell's outcomes.
"""

from __future__ import annotations

from pydantic import Field

from tools.config_settings import Strict

# (treatment, value level, churn level, signal held, trials, acceptances)
CountRow = tuple[str, int, int, bool, int, int]


class Learning(Strict):
    """Learned P(accept) from recorded outcomes (see :mod:`tools.kernel.learned`)."""

    enabled: bool = Field(True, description="Whether outcomes move P(accept).")
    prior_strength: float = Field(
        20.0,
        ge=0,
        le=1e9,
        description="The prior P's weight, in pseudo-trials of a cell's outcomes.",
    )
    exploration: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Epsilon-greedy exploration share in plans (0 = off; "
        "tools.planning.explore).",
    )
