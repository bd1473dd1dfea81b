"""find_customers' filters on everything the store holds, and narrowing a list.

Thresholds, objection, plan, region and channel reachability on the sample base,
then against brute force over the kernel's decisions on a generated base; "of
those" (``among``) keeps the ids server-side and holds both lists' filters.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from tools.base_queries import FindArgs, find_customers, lists, summarise_base
from tools.base_queries.models import Threshold
from tools.errors import ToolInputError


def ids(found) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.customer_id for r in found.rows}


def t(metric: str, op: str, value: float) -> list[Threshold]:
    return [Threshold(metric=metric, op=op, value=value)]  # type: ignore[arg-type]


def test_thresholds_on_stored_columns(ctx):
    churn = find_customers(thresholds=t("churn", ">", 0.5), limit=100, ctx=ctx)
    assert ids(churn) == {"U124", "U126", "U133"}
    assert churn.matched == churn.shown == 3 and churn.total == 12
    at_least = find_customers(thresholds=t("churn", ">=", 0.55), limit=100, ctx=ctx)
    assert ids(at_least) == {"U124", "U126", "U133"}
    above = find_customers(thresholds=t("churn", ">", 0.55), limit=100, ctx=ctx)
    assert ids(above) == {"U124", "U126"}  # strict: 0.55 is not above 0.55
    rich = find_customers(thresholds=t("revenue", ">", 150), limit=100, ctx=ctx)
    assert ids(rich) == {"U126", "U131", "U132"}
    new = find_customers(thresholds=t("tenure", "<", 3), limit=100, ctx=ctx)
    assert ids(new) == {"U129", "U131", "U132"}
    both = find_customers(
        thresholds=[*t("churn", ">", 0.3), *t("revenue", "<=", 90)], limit=100, ctx=ctx
    )
    assert ids(both) == {"U124", "U125", "U133"}
    for row in both.rows:
        assert row.churn_score > 0.3 and row.monthly_revenue <= 90


def test_a_missing_number_never_passes_a_threshold(config):
    """bill and data use are NaN for a customer without bills or usage: no value."""
    from tools.context import ToolContext
    from tools.customer_base import DERIVED
    from tools.store import json_files
    from tools.store.memory import MemoryStore

    records = json_files.read_json_folder(json_files.PACKAGED_DATA_DIR, config)
    records = [
        r.model_copy(update={"bills": [], "usage": []})
        if r.customer_id == "U124"
        else r
        for r in records
    ]
    ctx = ToolContext.create(config, customers=MemoryStore(records, DERIVED))
    for metric in ("bill", "data_gb"):
        high = find_customers(thresholds=t(metric, ">", -1), limit=100, ctx=ctx)
        low = find_customers(thresholds=t(metric, "<", 1e12), limit=100, ctx=ctx)
        assert high.matched == low.matched == 11, metric
        assert "U124" not in ids(high) | ids(low)


def test_expected_value_threshold_is_the_kernels(ctx):
    found = find_customers(thresholds=t("expected_value", ">", 140), limit=100, ctx=ctx)
    assert found.rows and all(r.expected_value > 140 for r in found.rows)
    every = find_customers(order_by="expected_value", limit=100, ctx=ctx)
    assert found.matched == sum(r.expected_value > 140 for r in every.rows)


def test_objection_plan_region_and_bound_text(ctx):
    assert ids(find_customers(objects_to_marketing=True, ctx=ctx)) == {"U126"}
    rest = find_customers(objects_to_marketing=False, limit=100, ctx=ctx)
    assert rest.matched == 11 and "U126" not in ids(rest)
    family_plans = find_customers(plan="family share", limit=100, ctx=ctx)
    assert ids(family_plans) == {"U126", "U132"}
    assert find_customers(region="north", ctx=ctx).matched == 0  # sample: no regions
    # text is a bound value, never SQL: a quote is just a character
    assert find_customers(segment="x' OR 1=1 --", ctx=ctx).matched == 0
    assert find_customers(plan="%' OR '1'='1", ctx=ctx).matched == 0


def test_reachable_by_channel_is_every_customer_rule(ctx):
    email = find_customers(reachable_channel="email", limit=100, ctx=ctx)
    not_email = find_customers(
        reachable_channel="email", reachable=False, limit=100, ctx=ctx
    )
    assert email.matched + not_email.matched == 12
    assert "U133" in ids(not_email)  # vulnerable: no automated marketing e-mail
    assert "U126" in ids(not_email)  # objects to marketing; e-mails are marketing
    calls = find_customers(
        reachable_channel="call", reachable_purpose="billing", ctx=ctx
    )
    assert "U126" in ids(calls)  # an objection leaves billing calls lawful


def test_of_those_narrows_the_last_list_server_side(ctx):
    first = find_customers(thresholds=t("churn", ">", 0.5), limit=2, ctx=ctx)
    assert first.matched == 3 and first.shown == 2  # the handle stands for all 3
    assert lists.LIST_ID.fullmatch(first.list_id)
    narrowed = find_customers(
        reachable_channel="email", among=first.list_id, limit=100, ctx=ctx
    )
    everyone = find_customers(reachable_channel="email", limit=100, ctx=ctx)
    assert ids(narrowed) == ids(everyone) & {"U124", "U126", "U133"}
    assert narrowed.list_id != first.list_id
    # the same filters make the same handle; another process reads it from disk
    again = find_customers(thresholds=t("churn", ">", 0.5), limit=5, ctx=ctx)
    assert again.list_id == first.list_id
    lists._held.clear()
    assert lists.recall(narrowed.list_id, ctx).among == first.list_id
    chain = lists.chain(lists.recall(narrowed.list_id, ctx), ctx)
    assert [p.thresholds for p in chain][1] == t("churn", ">", 0.5)
    summary = summarise_base(among=first.list_id, ctx=ctx)
    assert summary.customers == 3 and summary.total == 12


def test_unknown_or_malformed_list_handles(ctx):
    with pytest.raises(ToolInputError, match="no list L0000000000"):
        find_customers(among="L0000000000", ctx=ctx)
    with pytest.raises(ValidationError):
        FindArgs(among="../../etc/passwd")
    with pytest.raises(ToolInputError, match="not a list id"):
        lists.recall("../x", ctx)


# -- against brute force on a generated base ---------------------------------------

N_BASE = 1_500


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The generated base imported once (each test gets a copy of the store)."""
    from tests.bases import import_once

    return import_once(tmp_path_factory.mktemp("gen"), N_BASE, 7)


@pytest.fixture
def base_ctx(ctx, imported):
    from tools.store.build import copy_store
    from tools.store.source import store_path

    copy_store(imported, store_path(ctx.config))
    return ctx


def _decisions(ctx):  # type: ignore[no-untyped-def]
    from tools.kernel.batch import decide_where

    return decide_where(
        ctx.customers,
        ctx.config,
        extra=(
            "segment",
            "tenure_months",
            "consent_channels",
            "consent_email_marketing",
            "consent_sms_marketing",
            "consent_call_marketing",
            "consent_push_marketing",
        ),
    )


def _reach(ctx, d, channel: str, purpose: str | None) -> np.ndarray:  # type: ignore[no-untyped-def]
    hard_ok = ~np.logical_or.reduce(list(d.failed.values()))
    mask = np.array(
        [
            ctx.config.treatments[k].channel == channel
            and purpose in (None, ctx.config.treatments[k].purpose)
            for k in d.treatments
        ]
    )
    return hard_ok[:, mask].any(axis=1)


def test_filters_and_narrowing_are_brute_force_over_the_kernel(base_ctx):
    d = _decisions(base_ctx)
    churn = np.asarray(d.extra["churn_score"], dtype=float)
    tenure = np.asarray(d.extra["tenure_months"], dtype=float)
    objects = (np.asarray(d.extra["consent_channels"]) > 0) & ~np.logical_or.reduce(
        [
            np.asarray(d.extra[f"consent_{c}_marketing"], bool)
            for c in ("call", "sms", "email", "push")
        ]
    )
    cases = [
        ({"thresholds": t("churn", ">", 0.5)}, churn > 0.5),
        ({"thresholds": t("tenure", "<=", 12)}, tenure <= 12),
        ({"objects_to_marketing": True}, objects),
        ({"reachable_channel": "email"}, _reach(base_ctx, d, "email", None)),
        (
            {"reachable_channel": "call", "reachable_purpose": "service"},
            _reach(base_ctx, d, "call", "service"),
        ),
        (
            {"thresholds": t("expected_value", ">=", 50)},
            d.best_ev >= 50,
        ),
    ]
    for filters, want in cases:
        found = find_customers(limit=100, ctx=base_ctx, **filters)
        assert found.matched == int(want.sum()), filters
        assert found.shown == min(100, int(want.sum()))
        assert ids(found) <= set(d.customer_id[want].tolist()), filters
    first = find_customers(thresholds=t("churn", ">", 0.5), ctx=base_ctx)
    narrowed = find_customers(
        reachable_channel="email", among=first.list_id, limit=100, ctx=base_ctx
    )
    want = (churn > 0.5) & _reach(base_ctx, d, "email", None)
    assert narrowed.matched == int(want.sum()) > 0
    order = np.argsort(-churn[want], kind="stable")
    top = [str(x) for x in d.customer_id[want][order][:100]]
    assert [r.customer_id for r in narrowed.rows][:5] == top[:5]
    summary = summarise_base(among=narrowed.list_id, ctx=base_ctx)
    assert summary.customers == int(want.sum())


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "anyone with bad network quality who's also high churn?",
            {"churn_band": "high", "signals": ["poor_network"]},
        ),
        (
            "who in the base has opted out of marketing calls?",
            {
                "consent_channel": "call",
                "consent_purpose": "marketing",
                "consent_granted": False,
            },
        ),
        (
            "what about SMS opt outs",
            {
                "consent_channel": "sms",
                "consent_purpose": "marketing",
                "consent_granted": False,
            },
        ),
        ("who's most at risk this week? top five please", {"limit": 5}),
        ("who is most at risk?", {"churn_band": "high"}),
        # a group named by its band (trial 2026-12-07g: averaged over everyone)
        ("average bill for the high-risk lot", {"churn_band": "high"}),
        (
            "top 5 high risk customers by value",
            {"churn_band": "high", "limit": 5, "order_by": "value"},
        ),
        (
            "how many said no to marketing on everything?",
            {"objects_to_marketing": True},
        ),
    ],
)
def test_a_new_users_filters_read_as_meant(text, expected):
    """From the team-lead trial's WRONG turns (T7, T54, T60, T62)."""
    from assistant.planner.base_filters import read_filters
    from assistant.planner.intents import cue_words
    from assistant.planner.utterance import read
    from tools.config import get_config

    config = get_config()
    found = read_filters(read(text, config, cue_words()), config)
    assert found.model_dump(exclude_defaults=True) == expected


def test_top_n_by_value_is_by_monthly_revenue(config):
    """'top 20 by value' (trial 2026-12-07n: sorted by churn score)."""
    from assistant.planner.base_filters import read_filters
    from assistant.planner.reading import cue_words
    from assistant.planner.utterance import read

    for text in ("top 5 by value", "top 20 by value of the high-risk ones"):
        assert read_filters(read(text, config, cue_words()), config).order_by == "value"
    by_ev = read("top 5 by expected value", config, cue_words())
    assert read_filters(by_ev, config).order_by == "expected_value"
