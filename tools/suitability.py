"""SUITABILITY and HELD for one customer, in words; pass or fail is the kernel's.

The kernel (:mod:`tools.kernel.decide`) decides both rules column-wise for any batch:
SUITABILITY fails for every marketing treatment while the customer has an open
service problem (``decisions.suitability``), HELD fails for a treatment whose every
live offer is a product the customer already has. This module words the verdict of
one customer from their record, for the analyst and for "why not X" answers.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from tools.config import CVMConfig

if TYPE_CHECKING:
    from tools.assess import Assessment
    from tools.customer import CustomerData, Offer


_OPEN_PROBLEMS = ("open problems",)  # its key in an assessment's words


def open_problems(a: Assessment, config: CVMConfig) -> list[str]:
    """The customer's open problems in words, with the latest evidence's date.

    E.g. ``"unresolved billing dispute (2024-03-04)"`` (its latest evidence), in
    ``decisions.suitability`` order.
    """
    d = a.decisions
    if not d.problems[0].any():
        return []  # (the evidence, worked out on first use, is not needed)
    if config is not a.config:
        return _open_problems(a, config)
    found: list[str] | None = a.words.get(_OPEN_PROBLEMS)
    if found is None:  # worded once per assessment (each marketing treatment asks)
        found = a.words[_OPEN_PROBLEMS] = _open_problems(a, config)
    return list(found)


def _open_problems(a: Assessment, config: CVMConfig) -> list[str]:
    d = a.decisions
    latest = {i.signal: i.latest for i in a.analysis.insights}
    out = []
    for k, name in enumerate(d.problem_keys):
        if not d.problems[0, k]:
            continue
        problem = config.decisions.suitability[name]
        dates = [latest[s] for s in problem.signals if latest.get(s)]
        when = f" ({max(dates)})" if dates else ""  # type: ignore[type-var]
        out.append(f"{problem.label}{when}")
    return out


def fixes(a: Assessment, config: CVMConfig) -> list[str]:
    """Display names of the treatments that address the customer's open problems."""
    d = a.decisions
    keys: list[str] = []
    for k, name in enumerate(d.problem_keys):
        if d.problems[0, k]:
            for key in config.decisions.suitability[name].addressed_by:
                if key not in keys:
                    keys.append(key)
    return [config.treatments[k].display_name for k in keys]


def suitability_reason(a: Assessment, key: str, config: CVMConfig, failed: bool) -> str:
    """Why SUITABILITY passes or fails for ``key`` (the kernel decided which)."""
    t = config.treatment(key)
    if not failed:
        if not a.decisions.problems[0].any():  # (open_problems would be empty)
            return "no open service problem"
        return f"not a marketing contact ({t.purpose})"
    return f"service before selling: {'; '.join(open_problems(a, config))}"


def _live(o: Offer, as_of: date | None) -> bool:
    if o.status not in ("open", "pending"):
        return False
    return as_of is None or o.expires is None or o.expires >= as_of


def held_reason(a: Assessment, key: str, config: CVMConfig, failed: bool) -> str:
    """Why HELD passes or fails for ``key`` (the kernel decided which)."""
    if not failed:
        return "offers no product the customer already has"
    c: CustomerData = a.customer
    accepted = {
        o.name.strip().lower(): o.date for o in c.offers if o.status == "accepted"
    }
    plan = c.plan.name.strip().lower()
    held = []
    for o in c.offers:
        name = o.name.strip().lower()
        if o.treatment != key or not _live(o, a.as_of):
            continue
        if name == plan:
            held.append(f"'{o.name}' is the plan {c.customer_id} is on")
        elif name in accepted:
            held.append(f"'{o.name}' was accepted on {accepted[name]}")
    what = "; ".join(held) or "every live offer is a product the customer has"
    return f"{what}: never offered again"
