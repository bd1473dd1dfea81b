"""Reading questions about the conversation's scenarios: compare them, or choose one.

After a plan and what-ifs, "compare that with the original plan", "which scenario
wins on net value?", "put the £1.5k version side by side with the original" compare
the plans of this conversation (``session.focus.scenarios``); "go with the 2nd
scenario", "let's use the £1.5k version" choose one: it becomes the plan, proposed
for booking (held for the analyst's confirmation; nothing is booked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.core.session import Session
from assistant.planner.amounts import amounts_in
from assistant.planner.intent import Call, call
from assistant.planner.utterance import ORDINALS
from tools.patterns import compiled

if TYPE_CHECKING:
    from tools.planning.compare import Scenario

_COMPARE = compiled(
    r"\b(compare|comparison|side[- ]by[- ]side|vs\.?|versus|against)\b|"
    r"\b(which|what) (scenario|version|plan|option|one)s? "
    r"(wins|is (the )?(best|better)|gives|comes out|came out|was (the )?best|"
    r"is worth)\b|"
    r"\b(best|winning) (scenario|version)\b|\bscenarios\b",
    re.I,
)
_CHOOSE = compiled(
    r"\b(go (with|for)|take|pick|choose|use|adopt|let'?s (do|go with|use)|"
    r"we'?ll (go with|take|use)|stick with|stay with|keep|go back to|switch to|"
    r"prefer)\b",
    re.I,
)
_SCENARIO = compiled(r"\b(scenario|version|variant|option|one|original|plan)\b", re.I)
_ORDINAL = compiled(
    r"\b(?P<word>first|second|third|fourth|fifth)\b|\b(?P<nth>\d)(st|nd|rd|th)\b|"
    r"\b(scenario|version|option|number|no\.?) ?(?P<n>\d)\b|\b(?P<last>last|latest)\b",
    re.I,
)
_ORIGINAL = compiled(r"\b(original|first plan|baseline plan|starting plan)\b", re.I)
_LATEST = compiled(r"\b(that|this|the new one|the latest|the last one)\b", re.I)


@dataclass(frozen=True)
class Pointer:
    """Which scenarios a message points at (positions 1-based, budgets in £)."""

    positions: tuple[int, ...] = ()
    budgets: tuple[float, ...] = ()
    original: bool = False
    latest: bool = False

    def empty(self) -> bool:
        """Points at nothing in particular."""
        return not (self.positions or self.budgets or self.original or self.latest)


def pointer(text: str, count: int) -> Pointer:
    """The scenarios a message names: "the 2nd", "the original", "the £1.5k one"."""
    positions: list[int] = []
    for m in _ORDINAL.finditer(text):
        if m.group("last"):
            positions.append(count)
        elif m.group("word"):
            positions.append(ORDINALS[m.group("word").lower()])
        else:
            positions.append(int(m.group("nth") or m.group("n")))
    budgets = tuple(a.value for a in amounts_in(text) if a.money and not a.percent)
    return Pointer(
        positions=tuple(p for p in positions if 1 <= p <= count),
        budgets=budgets,
        original=bool(_ORIGINAL.search(text)),
        latest=bool(_LATEST.search(text)),
    )


def asks_choice(text: str) -> bool:
    """A scenario chosen: "go with the 2nd scenario" (not a customer or option)."""
    return bool(_CHOOSE.search(text) and _SCENARIO.search(text))


def scenario_calls(text: str, session: Session) -> list[Call] | None:
    """``compare_plans`` over the conversation's scenarios, if the message asks.

    None when it neither compares nor chooses scenarios, or there are fewer than
    two. The answer picks the ones the message points at from the comparison.
    """
    if len(session.focus.scenarios) < 2 or re.search(r"\b[uU]-?\d+\b", text):
        return None  # (fewer than two in all is fewer than two of the latest)
    from tools.planning.compare import MAX_SCENARIOS

    scenarios = session.focus.scenarios[-MAX_SCENARIOS:]
    if not (_COMPARE.search(text) or asks_choice(text)):
        return None
    if asks_choice(text) and pointer(text, len(scenarios)).empty():
        return None  # "go with that one": an option, not a scenario
    return [call("compare_plans", plan_ids=scenarios)]


def picked(text: str, scenarios: list[Scenario]) -> list[Scenario]:
    """The scenarios a message points at, in the conversation's order.

    "the original" is the first; "that"/"this" the latest; "the £1.5k version" the
    one whose budget it is; "the 2nd scenario" by position. Nothing named: all.
    """
    p = pointer(text, len(scenarios))
    chosen: list[int] = [n - 1 for n in p.positions]
    if p.original:
        chosen.append(0)
    for pounds in p.budgets:  # the first plan made with that budget
        chosen += [
            i
            for i, s in enumerate(scenarios)
            if abs(float(str(s.changes.get("budget", -1))) - pounds) < 0.005
        ][:1]
    if p.latest and (chosen or not p.empty()):
        chosen.append(len(scenarios) - 1)
    return [s for i, s in enumerate(scenarios) if i in set(chosen)] or scenarios
