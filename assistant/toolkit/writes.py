"""The booking WRITEs' approvals: what each pending action is, says and confirms.

Each :class:`~assistant.toolkit.spec.Approval` is part of its tool's spec (booking
and cancelling: :mod:`assistant.toolkit.customer_tools`; a plan's booking is
:mod:`assistant.toolkit.plan_tools`): the action's identity and customers, its title
and consequences shown before the analyst confirms, the whole messages that confirm
it, and the reply once it has run.
"""

from __future__ import annotations

from assistant.core.confirm import BOOKING, GENERIC, normalise
from assistant.core.session import Session
from assistant.toolkit.spec import Approval
from assistant.views.text import money
from tools.allocation import (
    AllocateArgs,
    Allocation,
    ReleaseArgs,
    check_availability,
    get_allocation,
)
from tools.context import ToolContext
from tools.errors import CVMError, PolicyBlocked, ToolInputError
from tools.treatment import recommend_treatment


def _cid(args: AllocateArgs) -> str:
    return args.customer_id.strip().upper().replace("-", "")


def _describe_booking(args: AllocateArgs, ctx: ToolContext) -> tuple[str, list[str]]:
    key, cid = args.treatment_key, _cid(args)
    t = ctx.config.treatments.get(key)
    title = f"Book {t.display_name if t else key} for {cid}"
    try:
        rec = recommend_treatment(cid, ctx)
    except CVMError:  # unknown customer or treatment: the tool will say so
        return title, []
    for r in rec.ranked:
        if r.treatment_key == key:
            s = r.score
            pick = "the recommendation" if r is rec.top else "not the top pick"
            return title, [
                f"Expected value {money(s.expected_value)} (P {s.propensity:.2f} × "
                f"{money(s.value)} at risk − {money(s.cost)} cost); {pick}.",
                "Contact rules: all hard rules pass now (checked again when it is "
                "booked).",
                f"Contact: {r.next_contact.note}",
            ]
    for x in rec.excluded:
        if x.treatment_key == key:
            rules = "; ".join(f"{e.rule}: {e.reason}" for e in x.exclusions)
            return title, [f"Contact rules: {rules}"]
    return title, []


def _booking_confirmations(args: AllocateArgs, ctx: ToolContext) -> frozenset[str]:
    """The generic and booking confirmations, and the ones naming this booking.

    "I approve the Data Boost booking for U124", "go ahead with the data boost": the
    pending booking's own treatment (its name or key) and customer, nothing else.
    "book the data boost" is not one of them: as an order it proposes the booking
    again, shown, so the analyst confirms what they see.
    """
    key, cid = args.treatment_key, normalise(_cid(args))
    t = ctx.config.treatments.get(key)
    names = {normalise(key.replace("_", " "))} | (
        {normalise(t.display_name)} if t else set()
    )
    own = {"go ahead with the booking", "approve the booking", "confirm the booking"}
    for name in names:
        for phrase in (
            f"approve the {name} booking",
            f"i approve the {name} booking",
            f"confirm the {name} booking",
            f"go ahead with the {name}",
            f"go ahead with the {name} booking",
        ):
            own |= {phrase, f"{phrase} for {cid}"}
    return GENERIC | BOOKING | own


def _check_booking(args: AllocateArgs, ctx: ToolContext) -> None:
    """Refuse now what a hard contact rule would refuse at booking time."""
    ctx.config.treatment(args.treatment_key)  # an unknown treatment: said so
    rec = recommend_treatment(_cid(args), ctx)
    for x in rec.excluded:
        if x.treatment_key == args.treatment_key and x.hard:
            hard = [e for e in x.exclusions if e.rule != "APPLICABILITY"]
            reason = "; ".join(
                e.reason if i == 0 else f"{e.rule}: {e.reason}"
                for i, e in enumerate(hard)
            )
            raise PolicyBlocked(hard[0].rule, reason, [e.rule for e in hard])


def _show_proposal(session: Session, treatment_key: str) -> None:
    """The proposed booking is the option the turn shows (the card's)."""
    if session.current is not None:
        session.current.recommended = treatment_key


def _booked(result: Allocation, ctx: ToolContext) -> str:
    lines = [
        f"**Booked {result.display_name} for {result.customer_id}** — "
        f"allocation #{result.allocation_id}, approved by {result.approved_by}.",
        f"When: {result.next_contact.note if result.next_contact else 'no contact'}.",
    ]
    left = check_availability(result.treatment_key, ctx)
    if left.max_per_day is not None:
        lines.append(f"Capacity left today: {left.remaining} of {left.max_per_day}.")
    lines.append("Say **cancel it** to release the booking.")
    return "\n".join(lines)


BOOK = Approval[AllocateArgs, Allocation](
    verb="book",
    key=lambda a: (_cid(a), a.treatment_key),
    customers=lambda a, ctx: (_cid(a),),
    describe=_describe_booking,
    outcome=_booked,
    check=_check_booking,
    proposed=lambda session, a: _show_proposal(session, a.treatment_key),
    confirmations=_booking_confirmations,
)


def _release_customer(args: ReleaseArgs, ctx: ToolContext) -> tuple[str, ...]:
    booking = get_allocation(args.allocation_id, ctx)
    return (booking.customer_id,) if booking else ()


def _describe_release(args: ReleaseArgs, ctx: ToolContext) -> tuple[str, list[str]]:
    booking = get_allocation(args.allocation_id, ctx)
    if booking is None:
        return f"Cancel booking #{args.allocation_id} (no such booking)", []
    return (
        f"Cancel booking #{booking.allocation_id} ({booking.display_name} for "
        f"{booking.customer_id})",
        [
            f"Booked by {booking.approved_by} on {booking.day}; status "
            f"{booking.status}. Cancelling frees its slot."
        ],
    )


def _check_release(args: ReleaseArgs, ctx: ToolContext) -> None:
    booking = get_allocation(args.allocation_id, ctx)
    if booking is None:
        raise ToolInputError(f"There is no allocation #{args.allocation_id}.")
    if booking.status != "active":
        raise ToolInputError(f"Allocation #{args.allocation_id} was already released.")


def _released(result: Allocation, ctx: ToolContext) -> str:
    return (
        f"Cancelled booking #{result.allocation_id} ({result.display_name} for "
        f"{result.customer_id}). Its slot is free again."
    )


RELEASE = Approval[ReleaseArgs, Allocation](
    verb="cancel",
    key=lambda a: (a.allocation_id,),
    customers=_release_customer,
    describe=_describe_release,
    outcome=_released,
    check=_check_release,
)
