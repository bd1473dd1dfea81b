"""Reading an arithmetic question across customers into ``base_figures`` arguments.

"average monthly bill across the base", "total monthly revenue", "average churn
for customers with a complaint vs without", "avg bill by plan", "split churn by
tenure under 12 months vs the rest", "what is their average bill": the statistic,
the measure, and either a split (the customers a condition selects against the
rest) or a grouping (per segment, plan, ...). Rule-based and typed; the intent
(find or summarise) was chosen before; this only decides that the answer is a
figure, not a list.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.planner.utterance import Utterance
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.base_queries.figures import FiguresArgs
    from tools.base_queries.models import FindArgs

STATS: dict[str, str] = {
    "mean": r"\b(average|avg|mean|typical)\b",
    "median": r"\bmedian\b",
    "sum": r"\b(total|totals|sum|combined|altogether|add(ed)? up)\b",
    "min": r"\bminimum\b",
    "max": r"\bmaximum\b",
}
_COUNTING = compiled(r"\bhow many\b|\bcount\b|\bnumber of\b|\bheadcount\b")
_SPLIT_MEAN = compiled(r"\bsplit\b|\bbreak\w* (down )?\w+ by\b")
MEASURES: tuple[tuple[str, str], ...] = (
    ("revenue", r"\b(revenue|arpu|income|takings)\b"),
    ("bill", r"\b(bills?|billed|spend|spending|paying|pay)\b"),
    ("churn", r"\bchurn\b"),
    ("tenure", r"\btenure\b|\bmonths? with us\b"),
    ("data_gb", r"\bdata (use|usage)\b|\bgb\b|\bdata\b"),
)
_SPLIT = compiled(
    r"\b(vs\.?|versus|compared (to|with)|against|as opposed to|or not)\b|"
    r"\b(and|or) (those |the ones |customers )?without\b|\bthe rest\b|"
    r"\b(two|both) groups\b|\beach group\b"
)
GROUPS: dict[str, str] = {
    "segment": r"\b(by|per|each|every|which|for each) segments?\b|\bsegments?'s?\b",
    "plan": r"\b(by|per|each|every|which|for each) (plan|tariff)s?\b",
    "region": r"\b(by|per|each|every|which|for each) regions?\b",
    "network_quality": r"\b(by|per) network( quality)?\b",
    "vulnerable": r"\b(by|per) vulnerab\w*\b",
}
_WHO = compiled(
    r"\b(who|whom|list|which (customers|clients|ones|people)|name them|show me the "
    r"customers)\b"
)
_THEM = compiled(r"\b(them|those|these|that list|this list|the list)\b")


def stats_asked(u: Utterance) -> list[str]:
    """The statistics a message asks for, in a fixed order (empty: none)."""
    norm = u.norm
    found = [s for s, p in STATS.items() if re.search(p, norm)]
    if found == ["sum"] and _COUNTING.search(norm):
        found = []  # "how many is that in total": a count, not a sum
    if not found and _SPLIT_MEAN.search(norm) and _SPLIT.search(norm):
        found = ["mean"]  # "split churn by tenure under 12 vs the rest"
    if not found and re.search(r"\bon average\b", norm):
        found = ["mean"]
    return found


def measure_asked(u: Utterance) -> str | None:
    """The measure: the first one named after the statistic, else the first named."""
    norm = u.norm
    stat = min(
        (m.start() for p in STATS.values() for m in re.finditer(p, norm)), default=0
    )
    hits = [(m.start(), name) for name, p in MEASURES for m in re.finditer(p, norm)]
    after = sorted(h for h in hits if h[0] >= stat)
    if after:
        return after[0][1]
    return min(hits)[1] if hits else None


def figures_asked(
    u: Utterance, f: FindArgs, last_list: str | None
) -> FiguresArgs | None:
    """The ``base_figures`` arguments an arithmetic question asks for, or None.

    Args:
        u: The message.
        f: The filters read from it (``among``: the list it narrows, if any).
        last_list: The handle of the last list shown ("them vs the rest").
    """
    from tools.base_queries.figures import FiguresArgs
    from tools.base_queries.models import FindArgs

    stats = stats_asked(u)
    measure = measure_asked(u) if stats else None
    if not stats or measure is None:
        return None
    norm = u.norm
    group = next((g for g, p in GROUPS.items() if re.search(p, norm)), None)
    if group is None and _WHO.search(norm):
        return None  # "who has a total bill over £100?": customers, not a figure
    conditions = f.model_dump(
        exclude={"among", "order_by", "limit"}, exclude_defaults=True
    )
    args: dict[str, Any] = {"measure": measure, "stats": stats}
    if _SPLIT.search(norm) and (conditions or last_list):
        if conditions:
            args["split"] = FindArgs.model_validate(conditions)
            if f.among:
                args["filters"] = FindArgs(among=f.among)
        elif last_list and _THEM.search(norm):  # "them vs the rest of the base"
            args["split"] = FindArgs(among=last_list)
        else:
            return None
        return FiguresArgs.model_validate(args)
    if conditions or f.among:
        args["filters"] = FindArgs.model_validate(
            conditions | ({"among": f.among} if f.among else {})
        )
    if group:
        args["group_by"] = group
    return FiguresArgs.model_validate(args)


def unread_measure(u: Utterance) -> bool:
    """An average was asked of something the store cannot add up.

    ("total?" alone is left to the intent: it may count, not add up.)
    """
    stats = stats_asked(u)
    return bool(stats) and stats != ["sum"] and measure_asked(u) is None
