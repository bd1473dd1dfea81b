"""Answers after the intent is read: figures, conjunctive filters, scenarios, budgets.

Tools tested on the sample base with no model (values asserted, worked out by hand
from the sample records), and the planner's typed slot reading on its own.
"""

from __future__ import annotations

import pytest

from assistant.core.session import Session
from assistant.planner.base_filters import read_filters, unapplied
from assistant.planner.figures import figures_asked, unread_measure
from assistant.planner.scenarios import picked, pointer
from assistant.planner.utterance import read
from assistant.planner.what_if import customers_left_out, stated_budget
from tools.base_queries import FindArgs, base_figures, find_customers
from tools.base_queries.models import Threshold
from tools.contact_times import next_contact_times
from tools.errors import ToolInputError
from tools.planning.compare import compare_plans
from tools.planning.plan import plan_store
from tools.planning.tools import plan_campaign, plan_what_if


def _u(text, config):
    return read(text, config)


# --- base_figures ---------------------------------------------------------------


def test_average_and_total_bill_over_the_base(ctx):
    f = base_figures("bill", ["mean", "sum"], ctx=ctx)
    (row,) = f.rows
    assert (row.customers, row.with_value) == (12, 12)
    assert row.values["sum"] == pytest.approx(2125.63)
    assert row.values["mean"] == pytest.approx(2125.63 / 12, abs=1e-4)
    assert (f.total, str(f.as_of)) == (12, "2024-03-06")


def test_split_by_a_complaint_on_record(ctx):
    f = base_figures("churn", ["mean"], split=FindArgs(complained=True), ctx=ctx)
    matching, rest = f.rows
    assert (matching.label, matching.customers) == ("matching", 5)
    assert matching.values["mean"] == pytest.approx(
        (0.45 + 0.75 + 0.45 + 0.65 + 0.55) / 5
    )
    assert (rest.label, rest.customers) == ("rest", 7)
    assert rest.values["mean"] == pytest.approx(1.52 / 7, abs=1e-4)


def test_split_by_tenure_and_by_a_kernel_signal(ctx):
    t = Threshold(metric="tenure", op="<", value=12)
    f = base_figures("churn", split=FindArgs(thresholds=[t]), ctx=ctx)
    assert [(r.label, r.customers) for r in f.rows] == [("matching", 3), ("rest", 9)]
    assert f.rows[0].values["mean"] == pytest.approx(0.25)  # U129, U131, U132
    d = base_figures("churn", split=FindArgs(signals=["billing_dispute"]), ctx=ctx)
    assert (d.rows[0].customers, d.rows[0].values["mean"]) == (1, 0.75)  # U124


def test_grouped_by_plan_and_filtered_total(ctx):
    f = base_figures("bill", group_by="plan", ctx=ctx)
    by = {r.label: r for r in f.rows}
    assert by["Family Share Plus"].customers == 2
    assert by["Family Share Plus"].values["mean"] == pytest.approx(
        (182.74 + 195.49) / 2
    )
    assert sum(r.customers for r in f.rows) == 12
    t = Threshold(metric="churn", op=">", value=0.5)
    total = base_figures("revenue", ["sum"], filters=FindArgs(thresholds=[t]), ctx=ctx)
    assert total.customers == 3
    assert total.rows[0].values["sum"] == pytest.approx(85.11 + 179.12 + 38.49)


def test_figures_over_an_unknown_list_is_the_callers_to_fix(ctx):
    with pytest.raises(ToolInputError):
        base_figures("bill", filters=FindArgs(among="L0123456789"), ctx=ctx)


# --- conjunctive filters --------------------------------------------------------


def test_every_condition_is_read(config):
    f = read_filters(_u("churn > 0.6 and no open complaint", config), config)
    assert (f.thresholds[0].value, f.complained) == (0.6, False)
    f = read_filters(
        _u("customers with churn above 0.6 and no open dispute", config), config
    )
    assert (f.signals, f.without_signals) == ([], ["billing_dispute"])
    f = read_filters(_u("family plan with an overdue bill", config), config)
    assert (f.plan, f.signals, f.recommended) == ("family", ["payment_issues"], None)
    f = read_filters(_u("who is vulnerable or has a dispute", config), config)
    assert [c.model_dump(exclude_defaults=True) for c in f.any_of] == [
        {"vulnerable": True},
        {"signals": ["billing_dispute"]},
    ]
    assert f.vulnerable is None and not f.signals


def test_a_part_read_as_no_condition_is_named(config):
    u = _u("customers with churn above 0.3 and a purple hat", config)
    assert unapplied(u, config) == ["a purple hat"]
    u = _u("list everyone with churn above 0.5 and bill shock", config)
    assert unapplied(u, config) == []


def test_either_and_negated_conditions_select_the_right_customers(ctx):
    either = find_customers(
        any_of=[{"vulnerable": True}, {"signals": ["billing_dispute"]}], ctx=ctx
    )
    assert sorted(r.customer_id for r in either.rows) == ["U124", "U133"]
    high = Threshold(metric="churn", op=">", value=0.6)
    no_dispute = find_customers(
        thresholds=[high], without_signals=["billing_dispute"], ctx=ctx
    )
    assert [r.customer_id for r in no_dispute.rows] == ["U126"]
    quiet = find_customers(thresholds=[high], complained=False, ctx=ctx)
    assert quiet.matched == 0  # U124 and U126 both complained


# --- arithmetic reading ---------------------------------------------------------


def test_arithmetic_questions_read_as_figures(config):
    def asked(text):
        u = _u(text, config)
        return figures_asked(u, read_filters(u, config), "L0123456789")

    a = asked("average monthly bill across the base")
    assert (a.measure, a.stats, a.split, a.group_by) == ("bill", ["mean"], None, None)
    assert asked("total monthly revenue").stats == ["sum"]
    assert asked("total monthly revenue").measure == "revenue"
    s = asked("split churn by tenure under 12 months vs the rest")
    assert (s.measure, s.split.thresholds[0].metric) == ("churn", "tenure")
    assert asked("avg bill by plan").group_by == "plan"
    assert asked("average bill for them vs the rest").split.among == "L0123456789"
    assert asked("which customers are at the highest churn risk?") is None
    assert asked("how many is that in total") is None
    assert asked("who has a total bill over £100?") is None
    assert asked("which segment has the highest churn on average").group_by == "segment"
    assert unread_measure(_u("average expected value", config))


# --- plans: budget, leaving customers out, scenarios ----------------------------


def test_a_stated_budget_is_read_and_planned_within(ctx):
    assert stated_budget("plan today's campaign at £2k") == 2000
    assert stated_budget("Put together a plan for those, cap at 5k") == 5000
    assert stated_budget("plan for today at 9") is None
    free = plan_campaign(ctx=ctx)
    capped = plan_campaign(budget=20, ctx=ctx)
    assert free.spend > 20 >= capped.spend
    assert capped.request.budget == 20


def test_leaving_a_customer_out_of_a_plan(ctx):
    before = plan_campaign(ctx=ctx)
    had = {r.customer_id: r for r in plan_store(ctx).rows(before.plan_id)}
    change = plan_what_if(without_customers=["u124"], ctx=ctx)
    after = {r.customer_id for r in plan_store(ctx).rows(change.after_id)}
    assert "U124" in had and "U124" not in after
    (left,) = change.left_out
    assert (left.customer_id, left.treatment_key) == ("U124", had["U124"].treatment_key)
    assert left.expected_value == pytest.approx(had["U124"].expected_value, abs=0.005)
    assert not plan_store(ctx).get(change.after_id).hypothetical  # bookable


def test_removal_is_read_only_with_a_plan_and_an_order(config):
    s = Session()
    assert customers_left_out("drop U124 from it", s) == []  # no plan yet
    s.plan_id = "P20240306-1"
    assert customers_left_out("drop U124 from it", s) == ["U124"]
    assert customers_left_out("yes but without U128", s) == ["U128"]
    assert customers_left_out("take u125 out", s) == ["U125"]
    assert customers_left_out("why is U124 not in the plan?", s) == []


def test_scenarios_compared_and_pointed_at(ctx):
    first = plan_campaign(ctx=ctx)
    cut = plan_what_if(budget=40, ctx=ctx)
    extra = plan_what_if(
        extra_slots=[{"treatment_key": "bill_review_call", "slots": 2}], ctx=ctx
    )
    c = compare_plans([first.plan_id, cut.after_id, extra.after_id], ctx=ctx)
    assert [s.plan_id for s in c.scenarios] == [
        first.plan_id,
        cut.after_id,
        extra.after_id,
    ]
    assert c.scenarios[1].changes["budget"] == 40
    assert c.scenarios[2].hypothetical
    bookable = [s for s in c.scenarios if not s.hypothetical]
    assert c.best == max(bookable, key=lambda s: s.expected_value).plan_id
    assert sum(c.scenarios[0].by_channel.values()) == c.scenarios[0].contacts
    assert [
        s.plan_id for s in picked("the £40 version vs the original", c.scenarios)
    ] == [
        first.plan_id,
        cut.after_id,
    ]
    assert pointer("go with the 2nd scenario", 3).positions == (2,)
    with pytest.raises(ToolInputError):
        compare_plans([first.plan_id, first.plan_id], ctx=ctx)


# --- next lawful contact --------------------------------------------------------


def test_next_lawful_contact_per_channel_with_its_rule(ctx, monkeypatch):
    monkeypatch.setenv("CVM_NOW", "2024-03-06T23:30:00+00:00")  # inside quiet hours
    times = next_contact_times("U126", ctx)
    by = {t.channel: t for t in times.channels}
    assert [t.channel for t in times.channels] == ["call", "sms", "email", "push"]
    assert by["sms"].purposes == ["service", "billing"]  # no marketing consent
    assert "CONSENT: no marketing consent by sms" in by["sms"].why
    assert not by["call"].allowed_now and by["call"].rule == "QUIET-HOURS"
    assert f"{by['call'].next_time:%Y-%m-%d %H:%M}" == "2024-03-07 09:00"
    assert (
        times.earliest is not None and times.earliest.next_time == by["call"].next_time
    )
    vulnerable = next_contact_times("U133", ctx)
    assert all("marketing" not in t.purposes for t in vulnerable.channels)


def test_contact_time_is_a_fact_asked(config):
    assert "contact_time" in _u("when's the earliest we can ring her?", config).facets
    assert "contact_time" in _u("when can we next contact U126?", config).facets
    assert "contact_time" not in _u("show U124's bills", config).facets


def test_a_booking_naming_only_a_kind_of_treatment_proposes_the_best_lawful_one(
    tmp_path,
):
    """'book a call-back for U123': the customer's options are ranked, and the best
    lawful call-back is proposed (shown, not booked); none of the kind lawful: the
    best lawful call, said so; nothing on the channel: said, none proposed."""
    from assistant.api import Assistant
    from tools.bookings import list_allocations

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    turn = bot.ask("book the call-back for U124")  # U124: no call-back is lawful
    assert turn.pending is not None and list_allocations(bot.ctx) == []
    assert turn.pending.title == "Book Bill Review Call for U124"  # the best call
    assert "No call back is lawful for U124; Bill Review Call is the best" in (
        turn.reply
    )
    turn = bot.ask("book the email one for U127")  # U127: no e-mail option at all
    assert turn.pending is None and "no lawful e-mail option for U127" in turn.reply
    turn = bot.ask("book a call-back for U123")
    assert turn.pending is not None and list_allocations(bot.ctx) == []
    assert turn.pending.title == "Book Service Call Back for U123"
    named = bot.ask("book Request Call Back for U128")
    assert named.pending is not None and "Request Call Back" in named.pending.title
    assert "Book Service Call Back for U123, pending before, was dropped" in (
        named.reply
    )


def test_a_pending_booking_is_re_aimed_by_a_correction(tmp_path):
    """'wrong customer, I meant U128' proposes the same treatment for U128; 'do it
    by email instead' the best lawful e-mail option (or says there is none)."""
    from assistant.api import Assistant
    from tools.bookings import list_allocations

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    bot.ask("book the data boost for U127")
    turn = bot.ask("no wait, wrong customer, i meant U128")
    assert turn.pending is not None and turn.pending.title == "Book Data Boost for U128"
    assert "Book Data Boost for U127, pending before, was dropped" in turn.reply
    turn = bot.ask("do it by email instead")
    assert turn.pending is not None
    assert turn.pending.title == "Book Personalised Offer for U128"  # best e-mail
    turn = bot.ask("what if we did it by sms instead?")  # a question re-aims nothing
    assert turn.pending is None or turn.pending.title.endswith("Offer for U128")
    assert list_allocations(bot.ctx) == []


def test_why_not_asks_about_the_channel_it_rules_out(tmp_path):
    """'why this one and not a SMS?' asks about SMS (trial 2026-12-07m: the reply was
    only '**no contact for U124:**'); with no channel or treatment named, it asks."""
    from assistant.api import Assistant

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    bot.ask("what should we offer U124?")
    turn = bot.ask("why this one and not a SMS? he is complaining about his bill")
    assert turn.reply.startswith("**SMS for U124:**"), turn.reply
    assert "Retention SMS: not allowed" in turn.reply
    assert "no contact for" not in turn.reply


def test_a_no_right_after_a_booking_proposes_cancelling_it(tmp_path):
    """'scrap that' the turn after 'yes' booked it proposes the cancellation (shown,
    run on a yes), instead of 'nothing is pending' while the booking stays."""
    from assistant.api import Assistant
    from tools.bookings import list_allocations

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    bot.ask("book the data boost for U123")
    bot.ask("yes")
    turn = bot.ask("scrap that")
    assert turn.pending is not None and turn.pending.tool == "release_allocation"
    assert [a.status for a in list_allocations(bot.ctx)] == ["active"]  # not yet
    bot.ask("yes")
    assert list_allocations(bot.ctx) == []  # released: no longer listed
    bot.ask("what should we offer U124?")
    later = bot.ask("no")  # a no to a shown proposal is only a decline
    assert later.pending is None and "dropped" in later.reply


def test_a_correction_of_whom_asks_the_last_question_again_unless_a_booking_was_ordered(
    tmp_path,
):
    """'no sorry, U127 I meant' after a recommendation for U128 recommends for U127
    (trial 2026-12-07n: it re-aimed U128's proposal at U127); after 'book the data
    boost for U127', 'I meant U128' re-aims the booking ordered."""
    from assistant.api import Assistant

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    bot.ask("next best action for U128 pls")
    turn = bot.ask("no sorry, U127 I meant. the older lady on Senior Essential")
    assert "recommend_treatment" in [c.name for c in turn.tool_calls]
    assert turn.reply.startswith("**U127: recommend"), turn.reply
    bot.ask("book the data boost for U127")
    turn = bot.ask("no wait wrong customer, i meant U128")
    assert turn.pending is not None and turn.pending.title == "Book Data Boost for U128"


def test_anything_cheaper_is_cheaper_than_the_option_discussed(tmp_path):
    """'bit dear that. owt cheaper?' after Data Boost (£2) for U123 (trial
    2026-12-07n: Service Call Back at £8 was offered as the cheaper one)."""
    from assistant.api import Assistant

    bot = Assistant.create(model="offline", state_dir=tmp_path)
    bot.ask("U123 what would you do")
    turn = bot.ask("bit dear that. owt cheaper?")
    [search] = [c for c in turn.tool_calls if c.name == "find_alternative_treatment"]
    assert search.arguments["max_cost"] == 1.99
    assert "Service Call Back" not in turn.reply.splitlines()[0]
