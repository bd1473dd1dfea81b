"""The review figures on a small generated base: service before selling, no held
product picked, stated needs measured (benchmarks/review.py runs them at 100k)."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.review import review
from tools.config import load_config
from tools.customer_base import config_derivation
from tools.store.duck import DuckStore
from tools.store.generate import generate
from tools.store.importer import import_path


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    generate(3000, 8, folder / "base", as_of=date(2026, 12, 6))
    store = folder / "customers.duckdb"
    derived = config_derivation(load_config())  # what the shipped config reads
    import_path(folder / "base", store, r"^U\d{7}$", derived, replace=True)
    return DuckStore(store, derived)


def test_the_generator_gives_open_problems_held_products_and_stated_needs(
    generated, config
):
    r = review(generated, config)
    assert r.customers == 3000 and r.as_of.startswith("2026-12-0")
    assert 0.05 < r.open_problem / r.customers < 0.4  # some, not everybody
    assert r.held_live_offers > 20  # plans they are on, offers they accepted
    assert r.needs > 300 and set(r.needs_by_kind) == set(config.decisions.needs)
    assert all(total > 20 for _, total in r.needs_by_kind.values())


def test_no_marketing_first_for_an_open_problem_and_no_held_product_picked(
    generated, config
):
    r = review(generated, config)
    assert r.open_problem_marketing_top == 0 and r.marketing_share == 0
    assert r.picks_of_held_products == 0 and r.held_share == 0
    # and selling still happens for the customers with nothing open
    marketing = {
        k
        for k, t in config.treatments.items()
        if t.purpose == "marketing" and t.channel != "none"
    }
    assert sum(n for k, n in r.picks.items() if k in marketing) > 100


def test_stated_needs_met_by_a_top_three_treatment_are_counted(generated, config):
    r = review(generated, config)
    assert r.needs == (
        r.needs_met_top3 + r.needs_blocked + r.needs_not_worth + r.needs_outranked
    )
    assert 0.1 < r.needs_met_share < 1
    assert sum(met for met, _ in r.needs_by_kind.values()) == r.needs_met_top3


def test_the_review_catches_a_kernel_without_suitability_or_held(
    generated, config, monkeypatch
):
    """The measures are independent of the rules: switch the rules off, they fail."""
    from tools.kernel import decide as kernel

    rules = kernel._rules

    def lax(cols, sig, tt, held):
        failed, applicable, problems = rules(cols, sig, tt, held)
        failed["SUITABILITY"][:] = False
        failed["HELD"][:] = False
        return failed, applicable, problems

    monkeypatch.setattr(kernel, "_rules", lax)
    off = config.model_copy(update={})  # a new configuration: no memo reused
    r = review(generated, off)
    assert r.open_problem_marketing_top > 0
    assert r.picks_of_held_products > 0
