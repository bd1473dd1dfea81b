"""Per-session conversation state and the record of one turn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from assistant.core.mentions import means_first_pick, points_at_it, resolve_listed
from assistant.core.messages import Message
from assistant.core.pending import PendingAction
from tools.allocation import Allocation
from tools.recommendation import RankedTreatment, Recommendation


class ToolCallRecord(BaseModel):
    """One tool call of a turn, as the analyst and the audit see it."""

    id: str
    name: str
    arguments: dict[str, Any] | str
    ok: bool
    error: str | None = None
    rule: str | None = None
    held: bool = Field(
        False, description="A WRITE held for the analyst's confirmation (not run)."
    )
    result: dict[str, Any] | None = None
    value: Any = Field(
        None, exclude=True, repr=False, description="The tool's typed result."
    )


class TurnUsage(BaseModel):
    """Model calls and tokens of one turn, with an estimated cost."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0


class Turn(BaseModel):
    """The outcome of one analyst message."""

    question: str
    reply: str = ""
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    recommended: str | None = None
    allocations: list[dict[str, Any]] = Field(default_factory=list)
    usage: TurnUsage = Field(default_factory=TurnUsage)
    stopped: str | None = Field(
        None, description="Why the loop stopped early (round limit, errors, model)."
    )
    pending: PendingAction | None = Field(
        None, description="The action waiting for confirmation, shown with this turn."
    )
    pending_new: bool = Field(
        False, description="The pending action was proposed (or replaced) this turn."
    )
    asked_back: bool = Field(
        False,
        description="The reply asked which reading was meant: the pending action "
        "is not the last thing shown (a bare yes shows it again first).",
    )


@dataclass(frozen=True)
class Offer:
    """An option an answer offered to book instead of the action pending."""

    customer: str
    treatment: str
    turn: int
    pending: str | None  # the id of the action pending when it was offered


# turns after which "book it" no longer means the option offered
OFFER_TURNS = 3


@dataclass
class Focus:
    """What the conversation is looking at besides its customer.

    Attributes:
        customers: The customers the last message named ("them", "both").
        options: Treatment keys of the last list of options shown ("the second").
        options_for: The customer of :attr:`options`.
        alternative: The arguments of the last alternative search (so "why?"
            explains the alternative, not the first choice).
        found: Customer ids of the last list of customers shown (its first rows).
        found_list: The handle of that whole list (``find_customers``' list_id):
            "of those" narrows it, "export that list" writes it; the ids of all
            its customers stay server-side.
        found_parent: The list that :attr:`found_list` narrowed, if it did ("of
            the rest" narrows it again).
        list_filters: The definitions of the lists found in this conversation, by
            handle (``find_customers``' filters, ``among`` kept, JSON): "plan it
            across the high-churn customers" is compared with the list in focus.
        found_tops: The lists shown as a top N ("top five most at risk"), by
            handle: their order, N and the N-th row's value; "of those" then
            means those N rows, not the whole list.
        found_metric: The metric of the last list's threshold ("churn above 0.6"),
            which "and above 0.8?" means.
        last_list: Which list was shown last, "customers" or "options" (a
            recommendation shows options too): what "the second one" points at.
        scenarios: The plans made in this conversation, in order: the plan, then
            each what-if ("compare that with the original", "the 2nd scenario").
        compared: The customers last compared ("book for U999" then proposes
            U999's pick).
        offered: The option an answer offered to book while another action stayed
            pending ("Say book Data Boost to propose it instead"): what "book it"
            and "go with that one" mean a little later (:meth:`Session.offered_option`).
        last_offer: What the last answer told how to book: "plan" (a plan: "say
            book the plan") or "booking" (one customer's pick: "say book it").
        row_series: The last message pointed at a row of the customer list ("what
            should we offer the first one?"): "and the second one?" then continues
            down that list, even though the answer showed options since.
    """

    customers: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    options_for: str | None = None
    alternative: dict[str, Any] | None = None
    found: list[str] = field(default_factory=list)
    found_list: str | None = None
    found_parent: str | None = None
    list_filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    found_tops: dict[str, tuple[str, int, float]] = field(default_factory=dict)
    found_metric: str | None = None
    last_list: str | None = None
    scenarios: list[str] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    offered: Offer | None = None
    last_offer: str | None = None
    row_series: bool = False

    def listed(self, text: str) -> tuple[str, str | None]:
        """``text`` with its pointer at a row of the last list shown made an id.

        "pick the top one" after "who's most at risk?" reads as "pick U124" (see
        :func:`assistant.core.mentions.resolve_listed`). Once options were shown
        since, only a pointer that says it means the list ("the second customer",
        "the top one on the list") does: "the second one" is then an option, unless
        the message before pointed at a row (:attr:`row_series`).
        """
        explicit = self.last_list != "customers" and not self.row_series
        return resolve_listed(text, self.found, explicit=explicit)


@dataclass(eq=False)
class Session:
    """What the assistant remembers within one conversation.

    At most one :class:`PendingAction` is held; ``shown`` is the id of the one the
    analyst saw at the end of the last turn (only that one can be confirmed by a
    typed message). ``login``: the approver logged in (the UI with login on), so a
    big plan needs a second analyst's approval (:mod:`assistant.approvals.second`).
    """

    approver: str = "analyst"
    login: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    messages: list[Message] = field(default_factory=list)
    customer_id: str | None = None
    last_recommendation: Recommendation | None = None
    allocations: list[Allocation] = field(default_factory=list)
    turns: int = 0
    current: Turn | None = None
    focus: Focus = field(default_factory=Focus)
    plan_id: str | None = None  # the campaign plan "the plan" means
    pending: PendingAction | None = None
    shown: str | None = None
    closed: dict[str, str] = field(default_factory=dict)
    declined: PendingAction | None = None  # the action last declined ("no, wait")
    declined_turn: int = 0
    dropped: PendingAction | None = None  # the action last dropped, for any reason
    dropped_turn: int = 0

    def hold(self, action: PendingAction) -> PendingAction:
        """Hold an action for confirmation; it replaces any other pending action.

        The same action proposed again keeps its id (buttons already shown stay
        valid).
        """
        if self.pending and self.pending.same_as(action.tool, action.key):
            return self.pending
        self.drop("replaced by another pending action")
        self.pending = action
        return action

    def drop(self, why: str) -> None:
        """Expire the pending action (it can no longer be confirmed)."""
        if self.pending:
            self.closed[self.pending.id] = why
            self.declined = self.pending if "declined" in why else None
            self.declined_turn = self.turns
            self.dropped, self.dropped_turn = self.pending, self.turns
            self.pending = None

    def offer(self, customer: str, treatment: str) -> None:
        """Remember the option just offered to book instead of the action pending."""
        held = self.pending.id if self.pending else None
        self.focus.offered = Offer(customer, treatment, self.turns, held)

    def offered_option(self, customer: str | None, text: str = "") -> str | None:
        """The option "book it" means for ``customer``, if one was offered.

        Offered in the last :data:`OFFER_TURNS` turns, with the same action still
        pending (a question in between, "is it within quiet hours?", keeps it; a new
        proposal, booking or decline ends it), and the message points at it ("it",
        "that one"): "go with your first pick after all" means the first pick.
        """
        o = self.focus.offered
        if o is None or o.customer != customer or self.turns - o.turn > OFFER_TURNS:
            return None
        if not points_at_it(text) or means_first_pick(text):
            return None
        held = self.pending.id if self.pending else None
        return o.treatment if held == o.pending else None

    @property
    def proposal(self) -> RankedTreatment | None:
        """The option under discussion: the pending booking's, else the top pick.

        Derived from the last recommendation and the pending action, never kept
        apart from them.
        """
        rec = self.last_recommendation
        if rec is None:
            return None
        p = self.pending
        if p and p.tool == "allocate_treatment" and p.customers == (rec.customer_id,):
            key = p.arguments["treatment_key"]
            return next((r for r in rec.ranked if r.treatment_key == key), rec.top)
        return rec.top

    @property
    def proposal_for(self) -> str | None:
        """The customer of :attr:`proposal`."""
        rec = self.last_recommendation
        return rec.customer_id if rec else None

    @property
    def proposed(self) -> str | None:
        """The treatment key of :attr:`proposal`."""
        p = self.proposal
        return p.treatment_key if p else None

    @property
    def pending_plan(self) -> str | None:
        """The plan id waiting for the analyst's approval (a pending book_plan)."""
        p = self.pending
        return str(p.arguments["plan_id"]) if p and p.tool == "book_plan" else None
