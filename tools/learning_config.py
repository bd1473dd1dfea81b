"""The ``learning`` and ``experiment`` sections of the configuration.

``learning`` is read by the kernel's learned P(accept) (:mod:`tools.kernel.learned`):
the prior in force is worth ``prior_strength`` pseudo-trials of a cell's outcomes;
``exploration`` is the plans' epsilon (:mod:`tools.planning.explore`).
``experiment`` sets the plans' control groups (:mod:`tools.planning.holdout`).
"""

from __future__ import annotations

from typing import Literal

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


class Experiment(Strict):
    """Control groups of plans (see :mod:`tools.planning.holdout`).

    Each customer a plan would contact falls in one arm by a hash of the customer
    id and the plan's day: held out (no contact, recorded with the plan), the
    challenger strategy, or the champion (the optimised plan).
    """

    holdout_share: float = Field(
        0.0,
        ge=0,
        le=0.5,
        description="Share of the customers a plan would contact held out (0.02).",
    )
    challenger_share: float = Field(
        0.0,
        ge=0,
        le=0.5,
        description="Share of the customers planned by the challenger strategy.",
    )
    challenger: Literal["first_come"] = Field(
        "first_come",
        description="first_come: the original system's rule order (customers in id "
        "order, each its best option still free), on its share of the slots.",
    )
