"""Outcomes of bookings: recorded, replaced, imported atomically and idempotently.

Each test taking ``ctx`` runs on the SQLite and on the PostgreSQL ledger.
"""

from __future__ import annotations

import inspect
from datetime import date

import pytest

from assistant.cli.main import main
from tests import pg
from tools.allocation import allocate_treatment, release_allocation
from tools.ledger import SQLiteLedger
from tools.ledger.outcomes import OutcomeVerbs
from tools.ledger.postgres import PostgresLedger
from tools.outcomes import OutcomeInputError, record_outcome
from tools.outcomes_import import import_outcomes

ctx, ledger_backend = pg.ctx, pg.ledger_backend
TODAY = date(2024, 3, 6)  # the frozen test clock's day


def _book(ctx, *customers: str) -> list[int]:
    return [
        allocate_treatment(c, "marketing_call_back", "ana", ctx).allocation_id
        for c in customers
    ]


def _counts(ctx) -> dict[tuple[str, int, int, bool], tuple[int, int]]:
    return {
        (c.cell.treatment_key, c.cell.value_level, c.cell.churn_level, c.cell.fit): (
            c.trials,
            c.accepted,
        )
        for c in ctx.ledger.outcome_counts()
    }


def test_an_outcome_is_recorded_once_and_a_new_one_replaces_it(ctx):
    [a] = _book(ctx, "U128")
    r = record_outcome(a, "accepted", ctx, value=42.5, approved_by="ana")
    assert (r.customer_id, r.treatment_key, r.status, r.on, r.value, r.change) == (
        "U128",
        "marketing_call_back",
        "accepted",
        TODAY,
        42.5,
        "recorded",
    )
    assert 0 < r.p_expected < 1 and "customers" in r.segment
    assert sum(t for t, _ in _counts(ctx).values()) == 1
    assert ctx.ledger.outcomes_version() == 1
    again = record_outcome(a, "accepted", ctx, value=42.5, approved_by="bob")
    assert again.change == "unchanged" and ctx.ledger.outcomes_version() == 1
    later = record_outcome(a, "declined", ctx, approved_by="ana")
    assert later.change == "replaced" and ctx.ledger.outcomes_version() == 2
    assert list(_counts(ctx).values()) == [(1, 0)]  # one trial, no acceptance now
    [stored] = ctx.ledger.get_outcomes([a])
    assert (stored.status, stored.value, stored.channel, stored.booked_day) == (
        "declined",
        None,
        "call",
        TODAY,
    )


def test_unreachable_is_kept_but_is_no_trial(ctx):
    [a] = _book(ctx, "U127")
    record_outcome(a, "unreachable", ctx)
    assert [o.status for o in ctx.ledger.get_outcomes([a])] == ["unreachable"]
    assert _counts(ctx) == {}


def test_refused_outcomes_record_nothing(ctx):
    [a, b] = _book(ctx, "U127", "U128")
    release_allocation(b, "ana", ctx)
    with pytest.raises(OutcomeInputError, match=r"booking #999: no booking #999"):
        record_outcome(999, "accepted", ctx)
    with pytest.raises(OutcomeInputError, match="was released"):
        record_outcome(b, "accepted", ctx)
    with pytest.raises(OutcomeInputError, match="after today"):
        record_outcome(a, "accepted", ctx, on=date(2024, 3, 7))
    with pytest.raises(OutcomeInputError, match="before booking"):
        record_outcome(a, "accepted", ctx, on=date(2024, 3, 5))
    with pytest.raises(OutcomeInputError, match="'maybe' is not one of"):
        record_outcome(a, "maybe", ctx)  # type: ignore[arg-type]
    assert ctx.ledger.get_outcomes([a, b]) == [] and ctx.ledger.outcomes_version() == 0


def _csv(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_is_atomic_names_the_bad_row_and_is_idempotent(ctx, tmp_path):
    a, b = _book(ctx, "U127", "U128")
    bad = _csv(
        tmp_path,
        "bad.csv",
        f"allocation_id,status,on,value\n{a},accepted,2024-03-06,30\n"
        f"{b},no response,,\n777,declined,,\n",
    )
    with pytest.raises(OutcomeInputError) as err:
        import_outcomes(bad, ctx, "ana")
    assert str(err.value) == (f"{bad}: row 3: no booking #777; nothing was recorded")
    assert ctx.ledger.get_outcomes([a, b]) == [] and _counts(ctx) == {}
    good = _csv(
        tmp_path,
        "good.csv",
        f"allocation_id,status,on,value\n#{a},Accepted,2024-03-06,30\n{b},"
        "no response,,\n",
    )
    first = import_outcomes(good, ctx, "ana")
    assert (first.rows, first.recorded, first.replaced, first.unchanged) == (2, 2, 0, 0)
    version = ctx.ledger.outcomes_version()
    counts = _counts(ctx)
    again = import_outcomes(good, ctx, "ana")
    assert (again.recorded, again.replaced, again.unchanged) == (0, 0, 2)
    assert ctx.ledger.outcomes_version() == version and _counts(ctx) == counts
    assert sum(t for t, _ in counts.values()) == 2
    assert sum(n for _, n in counts.values()) == 1
    stored = {o.allocation_id: o for o in ctx.ledger.get_outcomes([a, b])}
    assert (stored[a].status, stored[a].value) == ("accepted", 30.0)
    assert (stored[b].status, stored[b].on) == ("no_response", TODAY)


def test_parquet_imports_like_csv(ctx, tmp_path):
    import duckdb

    [a] = _book(ctx, "U127")
    path = tmp_path / "outcomes.parquet"
    duckdb.execute(
        "COPY (SELECT ?::BIGINT AS allocation_id, 'declined' AS status, "
        "DATE '2024-03-06' AS date) TO ? (FORMAT parquet)",
        [a, str(path)],
    )
    r = import_outcomes(path, ctx, "ana")
    assert (r.rows, r.recorded) == (1, 1)
    assert [o.status for o in ctx.ledger.get_outcomes([a])] == ["declined"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("allocation_id,status\nabc,accepted\n", "row 1: allocation_id 'abc' is not"),
        ("allocation_id,status\n1,accepted\n1,maybe\n", "row 2: status 'maybe'"),
        ("allocation_id,status,value\n1,accepted,ten\n", "row 1: value 'ten' is not"),
        ("allocation_id,status,on\n1,accepted,06/03/2024\n", "row 1: date '06/03"),
        ("allocation_id,status,on\n1,accepted,2024-03-09\n", "row 1: date 2024-03-09"),
        ("allocation,status\n1,accepted\n", "no 'allocation_id' column"),
        ("allocation_id,status\n", "no rows"),
    ],
)
def test_bad_rows_are_named_with_exit_2(ctx, tmp_path, capsys, text, problem):
    [a] = _book(ctx, "U127")
    path = _csv(tmp_path, "in.csv", text.replace("\n1,", f"\n{a},"))
    assert main(["import-outcomes", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and str(path) in err and "\n" not in err
    assert ctx.ledger.outcomes_version() == 0


def test_cli_outcome_needs_yes(ctx, capsys):
    [a] = _book(ctx, "U128")
    assert main(["outcome", str(a), "accepted"]) == 1
    assert "needs --yes" in capsys.readouterr().err
    assert ctx.ledger.get_outcomes([a]) == []
    assert main(["outcome", str(a), "accepted", "--value", "12", "--yes"]) == 0
    assert "accepted on 2024-03-06, £12.00 — recorded" in capsys.readouterr().out
    assert main(["outcome", "4242", "accepted", "--yes"]) == 2
    assert "no booking #4242" in capsys.readouterr().err


@pytest.mark.parametrize("backend", [SQLiteLedger, PostgresLedger])
def test_both_backends_have_every_outcome_verb(backend):
    for name, member in vars(OutcomeVerbs).items():
        if name.startswith("_") or not callable(member):
            continue
        want = list(inspect.signature(member).parameters)
        assert list(inspect.signature(getattr(backend, name)).parameters) == want
