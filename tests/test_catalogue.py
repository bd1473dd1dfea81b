"""The versioned treatment catalogue: store, validation, CLI, concurrency, versions.

Issue 21: the config file seeds version 1, every change is a new version (who, when,
why), a bad change names the field and changes nothing, a capacity below today's
bookings is refused unless forced, only the catalogue role may approve, and decisions
record the version they used. On both ledger backends (two processes changing it
at once, the audit in the change's transaction): tests/test_catalogue_ledger.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.cli_run import in_process
from tools.allocation import allocate_treatment
from tools.catalogue import catalogue_history, list_treatments, show_treatment
from tools.catalogue_changes import CatalogueChange, slug
from tools.catalogue_tools import commit_change, preview_change
from tools.catalogue_versions import CatalogueInvalid
from tools.context import ToolContext
from tools.errors import PolicyBlocked, UnknownTreatmentError
from tools.planning.plan import make_plan
from tools.treatment import recommend_treatment

CVM = [sys.executable, "-m", "assistant"]
SMS10 = {
    "display_name": "10% discount SMS",
    "channel": "sms",
    "purpose": "marketing",
    "cost": 1.0,
    "max_per_day": 200,
}


def add_sms10(ctx: ToolContext, by: str = "ana", **extra: object):
    fields = {**SMS10, **extra}
    change = CatalogueChange(
        action="add", treatment_key="discount_sms_10pct", fields=fields, reason="promo"
    )
    return commit_change(change, ctx, by, login=False)


def cvm(*args: str) -> subprocess.CompletedProcess[str]:
    """``cvm args`` in a process of its own."""
    return subprocess.run(
        [*CVM, *args], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )


def here(*args: str) -> subprocess.CompletedProcess[str]:
    """``cvm args`` in this process (the command's main: exit code, stdout, stderr)."""
    return in_process(args)


def test_the_config_file_is_version_1_and_a_change_is_version_2(ctx):
    assert list_treatments(ctx).version == 1
    assert ctx.ledger.catalogue_head() is None  # nothing stored until a change
    result = add_sms10(ctx)
    assert (result.version, result.previous_version) == (2, 1)
    assert result.changes == [
        "+ discount_sms_10pct: 10% discount SMS (sms, marketing, £1.00 a contact, "
        "200 a day)"
    ]
    cat = list_treatments(ctx)
    assert cat.version == 2
    assert [t.treatment_key for t in cat.treatments][-1] == "discount_sms_10pct"
    assert [t.treatment_key for t in cat.treatments][:-1] == list(
        ctx.base_config.treatments
    )  # catalogue order kept
    shown = show_treatment("discount_sms_10pct", ctx)
    assert (shown.base_propensity, shown.max_per_day, shown.enabled) == (0.1, 200, True)
    history = catalogue_history(ctx)
    assert [(v.version, v.action, v.created_by) for v in history.versions] == [
        (2, "add", "ana"),
        (1, "seed", "config"),
    ]
    assert history.versions[0].reason == "promo"
    assert history.versions[0].created_at.startswith("2024-03-06T12:00")


def test_set_disable_enable_and_rollback_each_make_a_version(ctx):
    commit_change(
        CatalogueChange(
            action="set", treatment_key="marketing_call_back", fields={"max_per_day": 8}
        ),
        ctx,
        "ana",
        login=False,
    )
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 8
    commit_change(
        CatalogueChange(action="disable", treatment_key="retention_email"),
        ctx,
        "bob",
        login=False,
    )
    assert ctx.config.treatments["retention_email"].enabled is False
    back = commit_change(CatalogueChange(action="rollback"), ctx, "ana", login=False)
    assert (back.version, back.rolled_back_to) == (4, 2)
    assert back.changes == ["~ retention_email.enabled: False → True"]
    assert ctx.config.treatments["retention_email"].enabled is True
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 8
    to_seed = commit_change(
        CatalogueChange(action="rollback", to_version=1), ctx, "a", login=False
    )
    assert to_seed.rolled_back_to == 1
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 2
    assert [v.action for v in catalogue_history(ctx).versions] == [
        "rollback",
        "rollback",
        "disable",
        "set",
        "seed",
    ]


INVALID = [
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"cost": -1}
        ),
        "treatments.retention_sms.cost: Input should be greater than or equal to 0",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"cost": "abc"}
        ),
        "treatments.retention_sms.cost: Input should be a valid number",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"chanel": "sms"}
        ),
        "treatments.retention_sms.chanel: unknown key 'chanel' "
        "(did you mean 'channel'?)",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"channel": "fax"}
        ),
        "treatments.retention_sms.channel: Input should be",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"base_propensity": 1.5}
        ),
        "treatments.retention_sms.base_propensity: Input should be less than or equal",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"max_per_day": -3}
        ),
        "constraints.retention_sms.max_per_day: Input should be greater than or equal",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"reserved_share": 2}
        ),
        "constraints.retention_sms.reserved_share: Input should be less than or equal",
    ),
    (
        CatalogueChange(
            action="set",
            treatment_key="retention_sms",
            fields={"daily_budget": float("inf")},
        ),
        "constraints.retention_sms.daily_budget: Input should be a finite number",
    ),
    (
        CatalogueChange(
            action="set",
            treatment_key="retention_sms",
            fields={"applicable_when": [{"signal": "moon_phase"}]},
        ),
        "treatments.retention_sms.applicable_when.0.signal: Input should be",
    ),
    (
        CatalogueChange(
            action="set",
            treatment_key="retention_sms",
            fields={"applicable_when": [{"metric": "churn_score"}]},
        ),
        "a 'metric' condition needs 'op' and 'value'",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"purpose": "sales"}
        ),
        "treatments.retention_sms.purpose: Input should be",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"daily_budget": -5}
        ),
        "constraints.retention_sms.daily_budget: Input should be greater than or "
        "equal to 0",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"priority": 0}
        ),
        "constraints.retention_sms.priority: Input should be greater than or equal",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"max_per_day": 2.5}
        ),
        "constraints.retention_sms.max_per_day: Input should be a valid integer",
    ),
    (
        CatalogueChange(
            action="set",
            treatment_key="retention_sms",
            fields={"propensity_boosts": {"moon_phase": 0.1}},
        ),
        "treatments.retention_sms.propensity_boosts.moon_phase",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"enabled": "maybe"}
        ),
        "treatments.retention_sms.enabled: Input should be a valid boolean",
    ),
    (
        CatalogueChange(
            action="set", treatment_key="retention_sms", fields={"cost": 0.5}
        ),
        "treatments.retention_sms: nothing to change: cost is already 0.5",
    ),
    (
        CatalogueChange(action="set", treatment_key="retention_sms"),
        "treatments.retention_sms: no field to change was given",
    ),
    (
        CatalogueChange(action="set", treatment_key="free_iphone", fields={"cost": 1}),
        "treatments.free_iphone: no treatment of that name (known: ",
    ),
    (
        CatalogueChange(action="enable", treatment_key="retention_sms"),
        "nothing to change: enabled is already True",
    ),
    (
        CatalogueChange(action="disable", treatment_key="ignore"),
        "treatments.ignore: the no-action baseline is part of every catalogue",
    ),
    (
        CatalogueChange(action="add", treatment_key="retention_sms", fields=SMS10),
        "treatments.retention_sms: already in the catalogue (change it with set)",
    ),
    (
        CatalogueChange(action="add", treatment_key="Bad Key!", fields=SMS10),
        "treatment_key: 'Bad Key!' is not a treatment key",
    ),
    (
        CatalogueChange(
            action="add", treatment_key="half", fields={"display_name": "H"}
        ),
        "treatments.half.channel: Field required (and 2 more problem(s))",
    ),
    (
        CatalogueChange(
            action="add",
            treatment_key="nocap",
            fields={**SMS10, "max_per_day": None, "priority": 2},
        ),
        "constraints.nocap.max_per_day: Input should be a valid integer",
    ),
    (
        CatalogueChange(action="add", fields=SMS10),
        "treatment_key: which treatment? none was given",
    ),
    (
        CatalogueChange(action="rollback"),
        "version: nothing to roll back: the catalogue is still version 1",
    ),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_every_invalid_change_names_the_field_and_changes_nothing(ctx, change, message):
    with pytest.raises(CatalogueInvalid) as err:
        commit_change(change, ctx, "ana", login=False)
    assert message in str(err.value)
    assert str(err.value).endswith("nothing changed.")
    assert "\n" not in str(err.value)
    assert ctx.ledger.catalogue_head() is None
    assert ctx.ledger.read_audit() == []
    assert ctx.config is ctx.base_config


def test_rollback_to_a_missing_or_current_version_is_refused(ctx):
    add_sms10(ctx)
    for to, message in (
        (9, "no catalogue version 9 to roll back to (1 to 1)"),
        (2, "version 2 is already in force"),
        (0, "no catalogue version 0"),
    ):
        with pytest.raises(CatalogueInvalid, match=re.escape(message)):
            commit_change(
                CatalogueChange(action="rollback", to_version=to), ctx, "a", login=False
            )
    assert ctx.ledger.catalogue_head().version == 2


def test_capacity_below_todays_bookings_is_refused_unless_forced(ctx):
    allocate_treatment("U124", "bill_review_call", "ana", ctx)
    cut = CatalogueChange(
        action="set", treatment_key="bill_review_call", fields={"max_per_day": 0}
    )
    assert preview_change(cut, ctx).problems == [
        "bill_review_call: 1 already booked today, above the new daily capacity 0"
    ]
    with pytest.raises(PolicyBlocked) as err:
        commit_change(cut, ctx, "ana", login=False)
    assert err.value.rule == "CAPACITY" and "force" in err.value.reason
    assert ctx.ledger.catalogue_head() is None
    forced = commit_change(
        cut.model_copy(update={"force": True}), ctx, "ana", login=False
    )
    assert forced.version == 2
    assert ctx.config.constraints["bill_review_call"].max_per_day == 0
    assert len(ctx.ledger.day_state(ctx.now().date()).used) == 1  # booking kept
    with pytest.raises(PolicyBlocked) as refused:  # new bookings follow the cut
        allocate_treatment("U126", "bill_review_call", "ana", ctx)
    assert refused.value.rule == "CAPACITY"


def test_only_the_catalogue_role_may_approve_and_the_audit_names_the_approver(
    tmp_path, config
):
    settings = config.settings.model_copy(update={"catalogue_editors": ["ana"]})
    ctx = ToolContext.create(
        config.model_copy(update={"settings": settings}), tmp_path / "state"
    )
    with pytest.raises(PolicyBlocked) as err:
        add_sms10(ctx, by="bob")
    assert err.value.rule == "ROLE"
    assert "bob may not change the treatment catalogue" in err.value.reason
    assert ctx.ledger.catalogue_head() is None
    add_sms10(ctx, by="ana")
    commit_change(CatalogueChange(action="rollback"), ctx, "ana", login=False)
    audit = ctx.ledger.read_audit()
    assert [(a.approver, a.record["catalogue"]["action"]) for a in audit] == [
        ("ana", "rollback"),
        ("ana", "add"),
    ]
    assert audit[1].record["catalogue"]["changes"][0].startswith("+ discount_sms_10pct")


def test_decisions_and_plans_record_the_catalogue_version(ctx):
    assert recommend_treatment("U128", ctx).catalogue_version == 1
    before = recommend_treatment("U128", ctx).top.treatment_key
    add_sms10(ctx, base_propensity=0.5)
    rec = recommend_treatment("U128", ctx)
    assert rec.catalogue_version == 2
    assert rec.top.treatment_key == "discount_sms_10pct" != before
    plan = make_plan(ctx=ctx).plan
    assert plan.catalogue_version == 2
    assert json.loads(ctx.ledger.get_plan(plan.plan_id).body)["catalogue_version"] == 2
    commit_change(CatalogueChange(action="rollback"), ctx, "ana", login=False)
    again = recommend_treatment("U128", ctx)
    assert (again.catalogue_version, again.top.treatment_key) == (3, before)
    with pytest.raises(UnknownTreatmentError):
        show_treatment("discount_sms_10pct", ctx)


def test_a_pinned_context_keeps_one_version(ctx):
    pinned = ctx.pinned()
    add_sms10(ctx)
    assert pinned.config.catalogue_version == 1
    assert ctx.config.catalogue_version == 2
    assert ctx.config is ctx.config  # one configuration per version, shared


def test_a_change_from_another_process_applies_without_restart(ctx):
    assert "discount_sms_10pct" not in ctx.config.treatments
    out = cvm(
        "treatments",
        "add",
        "--name",
        "10% discount SMS",
        "--channel",
        "sms",
        "--purpose",
        "marketing",
        "--cost",
        "1",
        "--per-day",
        "200",
        "--yes",
    )
    assert out.returncode == 0, out.stderr
    assert ctx.config.treatments["discount_sms_10pct"].display_name == (
        "10% discount SMS"
    )
    assert slug("10% discount SMS") == "discount_sms_10pct"


def test_cli_needs_yes_shows_the_diff_and_lists_history_and_rolls_back(ctx):
    args = ["treatments", "set", "marketing_call_back", "max_per_day=8"]
    out = here(*args)
    assert out.returncode == 1
    assert "~ marketing_call_back.max_per_day: 2 → 8" in out.stdout
    assert "APPROVAL" in out.stderr and "nothing changed" in out.stderr
    assert ctx.ledger.catalogue_head() is None
    out = here(*args, "--yes", "--reason", "more agents today", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["version"] == 2
    listed = json.loads(here("treatments", "list", "--json").stdout)
    assert listed["version"] == 2
    row = [
        t for t in listed["treatments"] if t["treatment_key"] == "marketing_call_back"
    ]
    assert row[0]["max_per_day"] == 8
    history = here("treatments", "history").stdout
    assert "v2 (in force)" in history and "more agents today" in history
    assert here("treatments", "rollback", "--yes").returncode == 0
    assert ctx.config.constraints["marketing_call_back"].max_per_day == 2
    bad = here("treatments", "set", "retention_sms", "cost=-1", "--yes")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "cvm: Invalid catalogue change: treatments.retention_sms.cost: Input should be "
        "greater than or equal to 0 (got -1); nothing changed."
    ]
    unknown = here("treatments", "show", "free_iphone")
    assert (
        unknown.returncode == 2 and "Unknown treatment 'free_iphone'" in unknown.stderr
    )
    audit = here("audit").stdout
    assert "catalogue:set:OK" in audit and "catalogue:rollback:OK" in audit


def test_decide_all_reports_the_catalogue_version_it_decided_on(ctx, tmp_path):
    before = here("decide", "--all", "--json")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["catalogue_version"] == 1
    add_sms10(ctx, base_propensity=0.5)
    out = tmp_path / "decisions.csv"
    after = here("decide", "--all", "--json", "--out", str(out))
    assert after.returncode == 0, after.stderr
    summary = json.loads(after.stdout)
    assert summary["catalogue_version"] == 2
    assert summary["by_treatment"]["discount_sms_10pct"] > 0
    header, *rows = out.read_text().splitlines()
    column = header.split(",").index("catalogue_version")
    assert rows and {r.split(",")[column] for r in rows} == {"2"}
    text = here("decide", "--all").stdout
    assert "(catalogue version 2)" in text


@pytest.mark.parametrize(
    ("editors", "login", "who", "refusal"),
    [
        (None, False, "cli:ana", None),  # no role configured, no login: anyone
        (None, True, "ana", "settings.catalogue_editors is not set"),
        ([], False, "cli:ana", "nobody may change the treatment catalogue"),
        ([], True, "ana", "nobody may change the treatment catalogue"),
        (["ana"], True, "ana (ui)", None),
        (["ana"], True, "bob (ui)", "bob may not change the treatment catalogue"),
        (["cli:ana"], False, "cli:bob", "cli:bob may not change"),
    ],
)
def test_the_catalogue_role_with_and_without_login(
    tmp_path, config, editors, login, who, refusal
):
    settings = config.settings.model_copy(update={"catalogue_editors": editors})
    ctx = ToolContext.create(
        config.model_copy(update={"settings": settings}), tmp_path / "state"
    )
    change = CatalogueChange(action="disable", treatment_key="retention_email")
    if refusal is None:
        assert commit_change(change, ctx, who, login=login).version == 2
        [audit] = ctx.ledger.read_audit()
        assert audit.approver == who
        return
    with pytest.raises(PolicyBlocked) as err:
        commit_change(change, ctx, who, login=login)
    assert err.value.rule == "ROLE"
    assert refusal in err.value.reason and err.value.reason.endswith("nothing changed")
    assert ctx.ledger.catalogue_head() is None and ctx.ledger.read_audit() == []


def test_a_budget_below_todays_spend_or_dropping_a_booked_treatment_is_refused(
    ctx,
):
    allocate_treatment("U124", "bill_review_call", "ana", ctx)
    cut = CatalogueChange(
        action="set", treatment_key="bill_review_call", fields={"daily_budget": 1}
    )
    with pytest.raises(PolicyBlocked) as err:
        commit_change(cut, ctx, "ana", login=False)
    assert err.value.rule == "CAPACITY"
    assert "£6.00 already spent today, above the new daily budget £1.00" in (
        err.value.reason
    )
    add_sms10(ctx)
    allocate_treatment("U127", "discount_sms_10pct", "ana", ctx)
    back = CatalogueChange(action="rollback")
    with pytest.raises(PolicyBlocked) as dropped:
        commit_change(back, ctx, "ana", login=False)
    assert dropped.value.rule == "CAPACITY"
    assert (
        "discount_sms_10pct: 1 booked today, and this version has no such treatment"
        in dropped.value.reason
    )
    assert ctx.ledger.catalogue_head().version == 2
    forced = commit_change(
        back.model_copy(update={"force": True}), ctx, "ana", login=False
    )
    assert forced.rolled_back_to == 1
    assert "discount_sms_10pct" not in ctx.config.treatments
    [kept] = [
        b for b in ctx.ledger.day_state(ctx.now().date()).used if b.startswith("disc")
    ]  # today's booking stays
    assert kept == "discount_sms_10pct"


def test_a_new_treatments_p_accept_starts_from_its_prior(ctx):
    add_sms10(ctx, base_propensity=0.37)
    rec = recommend_treatment("U127", ctx)
    [new] = [r for r in rec.ranked if r.treatment_key == "discount_sms_10pct"]
    assert new.score.journey_propensity == 0.37
    assert new.score.propensity == pytest.approx(0.37)
    assert new.score.propensity_source == "journey 0.37"
    assert new.score.expected_value == pytest.approx(
        0.37 * new.score.value - 1.0, abs=0.01
    )
    commit_change(
        CatalogueChange(
            action="set",
            treatment_key="discount_sms_10pct",
            fields={"base_propensity": 0.2},
        ),
        ctx,
        "ana",
        login=False,
    )
    [again] = [
        r
        for r in recommend_treatment("U127", ctx).ranked
        if r.treatment_key == "discount_sms_10pct"
    ]
    assert again.score.propensity == pytest.approx(0.2)


def test_cli_refuses_a_malformed_change_in_one_line(ctx):
    for args, message in (
        (["set", "retention_sms", "cost"], "cvm: 'cost' is not field=value"),
        (
            ["add", "--name", "X", "--channel", "sms", "--purpose", "service",
             "--cost", "1", "--when", "churn_score>=high", "--yes"],
            "cvm: --when churn_score>=high: 'high' is not a number",
        ),
    ):  # fmt: skip
        out = here("treatments", *args)
        assert out.returncode == 2, out.stderr
        assert out.stderr.strip().splitlines() == [message]
    assert ctx.ledger.catalogue_head() is None
