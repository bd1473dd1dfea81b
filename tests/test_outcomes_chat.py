"""Outcomes from the chat: recorded as a pending action, reported with its count.

Tried as a new user would: book the marketing call back for U128 (no open service
problem), record "accepted", ask how that treatment did -> the rate with its count;
the next recommendation's P says where it came from.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.cli.main import main
from assistant.toolkit.registry import TOOLS


@pytest.fixture
def bot(tmp_path):
    return Assistant.create(
        model="offline", state_dir=tmp_path / "state", approver="ana"
    )


def test_book_record_and_ask_how_it_did_as_a_new_user_would(bot):
    booked = bot.ask("book marketing_call_back for U128")
    if booked.pending is not None:
        booked = bot.ask("yes")
    [allocation] = booked.allocations
    turn = bot.ask("U128 accepted the marketing call back")
    action = turn.pending
    assert action is not None and action.tool == "record_outcome"
    assert action.arguments["allocation_id"] == allocation["allocation_id"]
    assert action.arguments["status"] == "accepted"
    assert "nothing is recorded yet" in turn.reply
    assert bot.ctx.ledger.get_outcomes([allocation["allocation_id"]]) == []  # held
    done = bot.ask("yes")
    assert "**Recorded:**" in done.reply
    [stored] = bot.ctx.ledger.get_outcomes([allocation["allocation_id"]])
    assert (stored.status, stored.recorded_by) == ("accepted", "ana")
    reply = bot.ask("how did the marketing call back do?").reply
    assert "**100%** accepted (1 of 1 reached; 95% interval 21%–100%)" in reply
    why = bot.ask("what should we offer U127?")  # P now says where it came from
    assert why.reply


def test_a_new_users_own_words_book_record_and_ask(bot):
    """Natural wording throughout; each message read as what it is."""
    from tools.service_problems import open_service_problems

    assert open_service_problems("U128", bot.ctx).problems == []  # none open
    turn = bot.ask("could you put U128 down for a marketing call back please")
    assert turn.pending is not None and turn.pending.tool == "allocate_treatment"
    [allocation] = bot.ask("yes").allocations
    asked = bot.ask("has he taken it up?")  # a question: nothing recorded, no booking
    assert [c.name for c in asked.tool_calls] == ["customer_outcomes"]
    assert asked.pending is None and "no outcome recorded yet" in asked.reply
    said = bot.ask("he took it up, worth £40")  # a report: an outcome, not a booking
    assert said.pending is not None and said.pending.tool == "record_outcome"
    assert said.pending.arguments["allocation_id"] == allocation["allocation_id"]
    assert (said.pending.arguments["status"], said.pending.arguments["value"]) == (
        "accepted",
        40.0,
    )
    assert bot.ctx.ledger.get_outcomes([allocation["allocation_id"]]) == []
    bot.ask("yes")
    [stored] = bot.ctx.ledger.get_outcomes([allocation["allocation_id"]])
    assert (stored.status, stored.value) == ("accepted", 40.0)
    how = bot.ask("how's the marketing call back doing?")
    assert [c.name for c in how.tool_calls] == ["outcome_report"]
    assert "**100%** accepted (1 of 1 reached; 95% interval 21%–100%)" in how.reply
    assert "realised value £40.00" in how.reply
    assert len(bot.ctx.ledger.bookings_since(stored.booked_day, stored.booked_day)) == 1


def test_record_by_booking_id_and_take_up_of_an_untried_treatment(bot):
    booked = bot.ask("book marketing_call_back for U127")
    if booked.pending is not None:
        booked = bot.ask("yes")
    [allocation] = booked.allocations
    turn = bot.ask(f"record that booking #{allocation['allocation_id']} was declined")
    assert turn.pending is not None and turn.pending.arguments["status"] == "declined"
    assert bot.ctx.ledger.get_outcomes([allocation["allocation_id"]]) == []
    bot.ask("yes")
    [stored] = bot.ctx.ledger.get_outcomes([allocation["allocation_id"]])
    assert stored.status == "declined"
    reply = bot.ask("what's the take-up been like on data boosts?").reply
    assert "No outcomes recorded for" in reply
    reply = bot.ask("how did retention SMS do last month?").reply
    assert "No outcomes recorded" in reply and "from 2024-02-01 to 2024-02-29" in reply


def test_an_outcome_is_never_recorded_without_confirmation(bot):
    booked = bot.ask("book marketing_call_back for U128")
    if booked.pending is not None:
        booked = bot.ask("yes")
    [allocation] = booked.allocations
    bot.ask(f"#{allocation['allocation_id']} no response")
    bot.ask("how did the marketing call back do?")  # a question drops nothing written
    assert bot.ctx.ledger.get_outcomes([allocation["allocation_id"]]) == []
    assert TOOLS["record_outcome"].kind == "WRITE"


def test_cvm_report_prints_rates_with_counts(ctx, capsys):
    from tools.allocation import allocate_treatment
    from tools.outcomes import record_outcome

    a = allocate_treatment("U128", "marketing_call_back", "ana", ctx).allocation_id
    b = allocate_treatment("U127", "marketing_call_back", "ana", ctx).allocation_id
    record_outcome(a, "accepted", ctx, value=120.0)
    record_outcome(b, "no_response", ctx)
    assert main(["report", "--json"]) == 0
    import json

    r = json.loads(capsys.readouterr().out)
    [row] = r["by"]["treatment"]
    assert (row["key"], row["reached"], row["accepted"], row["rate"]) == (
        "marketing_call_back",
        2,
        1,
        0.5,
    )
    assert row["ci95"] == pytest.approx([0.0945, 0.9055], abs=1e-4)
    assert row["realised_value"] == 120.0
    assert 0 < row["expected_rate"] < 1
    assert main(["report", "--since", "2024-03-07"]) == 2
    assert "after today" in capsys.readouterr().err
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "by treatment:" in out and "Marketing" in out and "50.0%" in out


def test_what_response_to_expect_from_todays_plan(bot):
    from tools.kernel.batch import decide_ids
    from tools.planning.store import plan_store

    bot.ask("plan today's campaign")
    plan = plan_store(bot.ctx).latest()
    assert plan is not None
    rows = plan_store(bot.ctx).rows(plan.plan_id)
    keys = list(bot.ctx.config.treatments)
    batch = decide_ids(bot.ctx.customers, bot.ctx.config, [r.customer_id for r in rows])
    at = {str(c): i for i, c in enumerate(batch.customer_id)}
    want = sum(
        batch.propensity[at[r.customer_id], keys.index(r.treatment_key)] for r in rows
    )
    turn = bot.ask("what response should we expect from today's plan?")
    assert [c.name for c in turn.tool_calls] == ["expected_response"]
    assert f"books {len(rows):,} customers" in turn.reply
    assert f"expect about **{want:,.1f} acceptances**" in turn.reply
    assert "No outcomes recorded yet" in turn.reply


def test_the_report_chart_shows_realised_against_expected(ctx):
    from assistant.views.outcome_charts import report_chart
    from tools.allocation import allocate_treatment
    from tools.outcomes import record_outcome
    from tools.outcomes_report import outcome_report

    assert report_chart(outcome_report(ctx)) is None  # nothing reached yet
    a = allocate_treatment("U128", "marketing_call_back", "ana", ctx).allocation_id
    b = allocate_treatment("U127", "marketing_call_back", "ana", ctx).allocation_id
    record_outcome(a, "accepted", ctx)
    record_outcome(b, "declined", ctx)
    report = outcome_report(ctx)
    fig = report_chart(report)
    bars, marks = fig.data
    [row] = report.by["treatment"]
    assert list(bars.y) == [0.5] and list(marks.y) == [row.expected_rate]
    assert bars.error_y.array[0] == pytest.approx(row.ci95[1] - 0.5)
    assert bars.error_y.arrayminus[0] == pytest.approx(0.5 - row.ci95[0])
    assert fig.layout.paper_bgcolor == "rgba(0,0,0,0)"  # themed
