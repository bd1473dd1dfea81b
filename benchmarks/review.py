"""Would an experienced CVM lead sign the picks? Three figures over a whole base.

``python -m benchmarks.review --customers 100000 [--seed 1]`` generates a base,
imports it into a temporary store and runs the decision kernel over every customer
(as ``cvm decide --all`` does), then measures, independently of the rules that
should guarantee them:

* **service before selling**: of the customers with an open service problem
  (``decisions.suitability``), the share whose top pick is a marketing treatment
  (target 0);
* **held products**: the share of customers whose pick offers a product they
  already hold: the offer it cites is their current plan or an offer they
  accepted, or it cites none while every live offer of that treatment is such a
  product (target 0). Products, plans and acceptances are read from the store in
  SQL, not from the kernel's HELD verdict;
* **stated needs**: of the needs customers stated (``decisions.needs`` whose signal
  the kernel found), the share met by one of their top three treatments (lawful,
  worth more than doing nothing); the rest by why: no treatment that meets it is
  lawful for the customer (consent, objection, vulnerability, an open problem,
  applicability), one is but costs more than it is worth, or three others rank
  higher.

:func:`review` is what the test on a small generated base runs too.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tools.config import NO_ACTION, CVMConfig
from tools.kernel.batch import iter_decisions
from tools.kernel.decisions import Decisions
from tools.kernel.signals import SIGNALS
from tools.store.source import CustomerSource

# Per customer (row_no): the pick's cited offer's product, and whether it is held.
HELD_SQL = """
WITH d AS (SELECT ?::DATE AS as_of), o AS (
    SELECT customer_id, offer_date, treatment, status, expires, d.as_of,
        lower(trim(name)) AS product,
        (row_number() OVER (PARTITION BY customer_id ORDER BY seq) - 1)::INTEGER
            AS pos
    FROM offers, d WHERE offer_date <= d.as_of
), owned AS (
    SELECT customer_id, product FROM o WHERE status = 'accepted'
    UNION SELECT customer_id, lower(trim(plan_name)) FROM customers
), live AS (
    SELECT o.*, w.product IS NOT NULL AS owned FROM o
    LEFT JOIN owned w USING (customer_id, product)
    WHERE o.status IN ('open', 'pending') AND coalesce(o.expires >= o.as_of, true)
)
SELECT f.row_no, l.treatment, l.pos, l.owned
FROM live l JOIN customer_features f USING (customer_id)
WHERE l.treatment IS NOT NULL
"""


@dataclass
class Review:
    """The figures over one base."""

    customers: int = 0
    as_of: str = ""
    open_problem: int = 0
    open_problem_marketing_top: int = 0
    picks_of_held_products: int = 0
    with_live_offers: int = 0
    held_live_offers: int = 0
    needs: int = 0
    needs_met_top3: int = 0
    needs_blocked: int = 0  # no treatment that meets it is lawful (a rule)
    needs_not_worth: int = 0  # one is lawful but worth less than doing nothing
    needs_outranked: int = 0  # one is worth doing but three others rank higher
    needs_by_kind: dict[str, list[int]] = field(default_factory=dict)  # [met, all]
    needs_blocked_by: dict[str, int] = field(default_factory=dict)  # rule -> needs
    picks: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def marketing_share(self) -> float:
        """Open-problem customers whose top pick is marketing (target 0)."""
        return self.open_problem_marketing_top / max(self.open_problem, 1)

    @property
    def held_share(self) -> float:
        """Customers whose pick offers a product they hold (target 0)."""
        return self.picks_of_held_products / max(self.customers, 1)

    @property
    def needs_met_share(self) -> float:
        """Stated needs met by a top-three treatment."""
        return self.needs_met_top3 / max(self.needs, 1)


def _live_offers(source: CustomerSource, as_of: str) -> dict[int, list[tuple]]:
    """row_no -> [(treatment, pos, owned)] of the live offers, read in SQL."""
    rows = source.sql(HELD_SQL, [as_of])
    out: dict[int, list[tuple]] = {}
    for row_no, treatment, pos, owned in rows:
        out.setdefault(int(row_no), []).append((treatment, int(pos), bool(owned)))
    return out


def _top3(d: Decisions, baseline: int) -> np.ndarray:
    """Per customer the indexes of its top three treatments (-1: fewer)."""
    ev = np.where(d.lawful & (d.expected_value > 0), d.expected_value, -np.inf)
    ev[:, baseline] = -np.inf
    order = np.argsort(-ev, axis=1, kind="stable")[:, :3]
    top = np.take_along_axis(ev, order, axis=1)
    return np.where(np.isfinite(top), order, -1)  # type: ignore[no-any-return]


def _chunk(d: Decisions, config: CVMConfig, live: dict, r: Review) -> None:
    keys = d.treatments
    marketing = np.array(
        [
            config.treatments[k].purpose == "marketing"
            and config.treatments[k].channel != "none"
            for k in keys
        ]
    )
    best = d.best
    open_any = d.problems.any(axis=1)
    r.customers += len(best)
    r.open_problem += int(open_any.sum())
    r.open_problem_marketing_top += int((open_any & marketing[best]).sum())
    picked, counts = np.unique(np.asarray(keys)[best], return_counts=True)
    for k, n in zip(picked, counts, strict=True):
        r.picks[str(k)] = r.picks.get(str(k), 0) + int(n)
    for i, row_no in enumerate(d.row_no.tolist()):
        offers = live.get(int(row_no))
        if not offers:
            continue
        r.with_live_offers += 1
        r.held_live_offers += sum(o[2] for o in offers)
        pick = keys[best[i]]
        cited = int(d.offer_pos[i, best[i]])
        mine = [o for o in offers if o[0] == pick]
        if cited >= 0:
            held = any(o[1] == cited and o[2] for o in mine)
        else:
            held = bool(mine) and all(o[2] for o in mine)
        r.picks_of_held_products += held
    top3 = _top3(d, keys.index(NO_ACTION))
    for name, need in config.decisions.needs.items():
        stated = d.signals[:, SIGNALS.index(need.signal)]
        meets = np.array([k in need.met_by for k in keys])
        met = np.zeros(len(best), dtype=bool)
        for c in range(top3.shape[1]):
            met |= (top3[:, c] >= 0) & meets[np.maximum(top3[:, c], 0)]
        lawful = d.lawful[:, meets].any(axis=1)
        worth = (d.lawful[:, meets] & (d.expected_value[:, meets] > 0)).any(axis=1)
        counts = r.needs_by_kind.setdefault(name, [0, 0])
        counts[0] += int((stated & met).sum())
        counts[1] += int(stated.sum())
        r.needs += int(stated.sum())
        r.needs_met_top3 += int((stated & met).sum())
        r.needs_blocked += int((stated & ~lawful).sum())
        rules = {**d.failed, "APPLICABILITY": ~d.applicable}
        for rule, mask in rules.items():  # what keeps the treatments that meet it out
            n = int((stated & ~lawful & mask[:, meets].any(axis=1)).sum())
            r.needs_blocked_by[rule] = r.needs_blocked_by.get(rule, 0) + n
        r.needs_not_worth += int((stated & lawful & ~worth).sum())
        r.needs_outranked += int((stated & worth & ~met).sum())


def review(source: CustomerSource, config: CVMConfig) -> Review:
    """The three figures over every customer of ``source``."""
    start = time.perf_counter()
    r = Review()
    [(as_of,)] = source.sql("SELECT value FROM meta WHERE key = 'as_of'")
    r.as_of = str(as_of)
    live = _live_offers(source, r.as_of)
    for d in iter_decisions(source, config):
        _chunk(d, config, live, r)
    r.seconds = time.perf_counter() - start
    return r


def main() -> None:
    """Generate, import and review a base; print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from tools.config import get_config
    from tools.customer_base import config_derivation
    from tools.store.duck import DuckStore
    from tools.store.generate import generate
    from tools.store.importer import import_path

    config = get_config()
    with tempfile.TemporaryDirectory(prefix="cvm-review-") as tmp:
        folder = Path(tmp)
        generate(args.customers, args.seed, folder / "base")
        store = folder / "customers.duckdb"
        derived = config_derivation(config)
        import_path(
            folder / "base",
            store,
            config.validation.customer_id_pattern,
            derived,
            replace=True,
        )
        r = review(DuckStore(store, derived), config)
    out = asdict(r) | {
        "open_problem_marketing_top_share": round(r.marketing_share, 6),
        "held_product_pick_share": round(r.held_share, 6),
        "needs_met_top3_share": round(r.needs_met_share, 4),
        "targets": {"marketing_share": 0, "held_share": 0},
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
