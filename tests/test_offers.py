"""Offer semantics on the decision date: live, expired, accepted (held), declined.

Customers are the sample's, with their offers replaced, held in a store of their own
(as of the sample's date, 2024-03-06); each test runs the per-customer tool and the
batch kernel over the same store and requires the same numbers.
"""

from __future__ import annotations

from datetime import date

import pytest

from tools.config import load_config
from tools.context import ToolContext
from tools.customer import Offer
from tools.customer_base import DERIVED
from tools.errors import PolicyBlocked
from tools.kernel.batch import decide_where
from tools.store.build import sample_records
from tools.store.memory import MemoryStore
from tools.treatment import recommend_treatment

AS_OF = date(2024, 3, 6)


def _offer(name: str, status: str, made: str, expires: str, p: float, **kw) -> Offer:
    return Offer(
        date=date.fromisoformat(made),
        offer_id=f"T-{name}-{made}",
        name=name,
        treatment=kw.get("treatment", "personalized_offer"),
        acceptance_probability=p,
        status=status,
        expires=date.fromisoformat(expires),
    )


def _ctx(tmp_path, offers: list[Offer], cid: str = "U128", config=None):
    sample = next(r for r in sample_records() if r.customer_id == cid)
    record = sample.model_copy(update={"offers": offers})
    source = MemoryStore([record], DERIVED, data_as_of=AS_OF)
    config = config or load_config()
    return ToolContext.create(config, tmp_path / "state", customers=source)


def _option(ctx, key: str, cid: str = "U128"):
    rec = recommend_treatment(cid, ctx)
    d = decide_where(ctx.customers, ctx.config)
    j = d.treatments.index(key)
    ranked = {r.treatment_key: r for r in rec.ranked}
    if key in ranked:  # the per-customer tool and the batch kernel agree
        assert ranked[key].score.propensity == float(d.propensity[0, j])
        assert ranked[key].score.expected_value == float(d.expected_value[0, j])
    return rec, ranked.get(key)


def test_a_live_offer_is_combined_with_the_journey(tmp_path):
    ctx = _ctx(
        tmp_path, [_offer("Asia Connect", "pending", "2024-03-02", "2024-03-09", 0.30)]
    )
    rec, r = _option(ctx, "personalized_offer")
    s = r.score
    # journey 0.08 (base), recommender 0.30: 0.6 x 0.08 + 0.4 x 0.30 = 0.168, plus
    # the stated need it meets (international calls, +0.20)
    assert s.journey_propensity == pytest.approx(0.08)
    assert s.recommender_propensity == pytest.approx(0.30)
    assert s.propensity == pytest.approx(0.368)
    assert "journey 0.08, recommender 0.30 → 0.17" in s.propensity_source
    assert "meets stated need cheaper international calls +0.20" in s.propensity_source
    assert any(
        "'Asia Connect' (live 2024-03-02 to 2024-03-09; the recommender's prior 30%)"
        in x
        for x in r.reasons
    )


@pytest.mark.parametrize(
    ("weight", "expected"), [(0.0, 0.28), (1.0, 0.50), (0.5, 0.39)]
)
def test_the_combination_weight_is_config(tmp_path, write_config, weight, expected):
    path = write_config(
        lambda raw: raw["decisions"]["offers"].update(recommender_weight=weight)
    )
    offers = [_offer("Asia Connect", "open", "2024-03-02", "2024-03-09", 0.30)]
    ctx = _ctx(tmp_path, offers, config=load_config(path))
    _, r = _option(ctx, "personalized_offer")
    # w x 0.30 + (1 - w) x 0.08 + 0.20 (the need it meets)
    assert r.score.propensity == pytest.approx(expected)


def test_an_expired_offer_does_not_count(tmp_path):
    ctx = _ctx(
        tmp_path, [_offer("Asia Connect", "open", "2024-02-20", "2024-03-05", 0.9)]
    )
    _, r = _option(ctx, "personalized_offer")
    assert r.score.recommender_propensity is None
    assert r.score.propensity == pytest.approx(0.28)  # journey 0.08 + need 0.20
    assert not any("Asia Connect" in x for x in r.reasons)


def test_an_offer_made_after_the_decision_date_is_not_used(tmp_path):
    ctx = _ctx(
        tmp_path, [_offer("Asia Connect", "open", "2024-03-10", "2024-04-01", 0.9)]
    )
    rec, r = _option(ctx, "personalized_offer")
    assert r.score.recommender_propensity is None
    assert ctx.customers.get("U128").offers == []  # not even shown


def test_an_accepted_offer_is_no_propensity_and_is_never_made_again(tmp_path):
    offers = [
        _offer("Asia Connect", "accepted", "2024-02-10", "2024-02-20", 0.9),
        _offer("Asia Connect", "pending", "2024-03-02", "2024-03-09", 0.8),
    ]
    ctx = _ctx(tmp_path, offers)
    rec, r = _option(ctx, "personalized_offer")
    assert r is None  # the only live offer is a product the customer holds
    held = next(x for x in rec.excluded if x.treatment_key == "personalized_offer")
    assert held.hard and [e.rule for e in held.exclusions] == ["HELD"]
    assert "'Asia Connect' was accepted on 2024-02-10" in held.exclusions[0].reason
    with pytest.raises(PolicyBlocked) as info:
        from tools.allocation import allocate_treatment

        allocate_treatment("U128", "personalized_offer", "ana", ctx)
    assert info.value.rule == "HELD"
    # another live product of the same treatment is offered instead
    offers.append(_offer("Global Caller", "open", "2024-03-03", "2024-03-20", 0.25))
    _, r = _option(_ctx(tmp_path / "b", offers), "personalized_offer")
    assert r.score.recommender_propensity == pytest.approx(0.25)
    assert any("'Global Caller'" in x for x in r.reasons)


def test_an_accepted_service_offer_does_not_cap_the_service_call_back():
    # U125 accepted 'Network Quality Assessment' (P 0.30); his signals give 0.90
    rec = recommend_treatment("U125")
    assert rec.top.treatment_key == "service_call_back"
    s = rec.top.score
    assert s.recommender_propensity is None and s.journey_propensity == 0.9
    assert s.propensity == 0.95  # + 0.20 for fixing the open complaint, capped
    assert not any("Network Quality Assessment" in x for x in rec.top.reasons)


def test_a_declined_offer_cools_off_and_lowers_p(tmp_path):
    offers = [
        _offer("Asia Connect", "declined", "2024-02-25", "2024-03-03", 0.4),
        _offer("Asia Connect", "open", "2024-03-02", "2024-03-20", 0.9),
    ]
    _, r = _option(_ctx(tmp_path, offers), "personalized_offer")
    # the same product is not made again within 30 days; P x 0.8 meanwhile
    assert r.score.recommender_propensity is None
    assert r.score.propensity == pytest.approx(0.08 * 0.8 + 0.20)
    assert "declined 2024-02-25 ×0.8" in r.score.propensity_source
    offers[0] = _offer("Asia Connect", "declined", "2024-01-20", "2024-01-30", 0.4)
    _, r = _option(_ctx(tmp_path / "b", offers), "personalized_offer")
    assert r.score.recommender_propensity == pytest.approx(0.9)  # cool-off over
    assert r.score.propensity == pytest.approx(0.6 * 0.08 + 0.4 * 0.9 + 0.20)


def test_the_plan_a_customer_is_on_is_never_offered():
    rec = recommend_treatment("U131")
    assert "personalized_offer" not in [r.treatment_key for r in rec.ranked]
    held = next(x for x in rec.excluded if x.treatment_key == "personalized_offer")
    assert "'Enterprise Fiber Pro' is the plan U131 is on" in held.exclusions[0].reason


def test_no_reason_cites_an_offer_that_is_not_live(ctx):
    from tests.conftest import SAMPLE_CUSTOMERS

    for cid in SAMPLE_CUSTOMERS:
        customer = ctx.customers.get(cid)
        gone = {o.name for o in customer.offers if o.status in ("accepted", "declined")}
        gone |= {o.name for o in customer.offers if o.expires and o.expires < AS_OF}
        live = {
            o.name
            for o in customer.offers
            if o.status in ("open", "pending") and not (o.expires and o.expires < AS_OF)
        }
        for r in recommend_treatment(cid, ctx).ranked:
            cited = " ".join(r.reasons) + r.score.propensity_source
            for name in gone - live:
                assert f"'{name}'" not in cited, (cid, r.treatment_key, name)
