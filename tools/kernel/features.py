"""Journey metrics, once, in SQL: one row of numbers per customer, as of a date.

``FEATURES_SQL`` turns the store's tables into ``customer_features`` (usage vs
allowance, bill shocks, roaming, payments, network, topics, sentiment, consents, …);
``OFFERS_SQL`` into ``offer_propensity`` (the recommender's offers that matter on the
decision date: the live ones, with whether the customer already holds the product,
and the declined ones). Both are built on every import and read by the decision
kernel (:mod:`tools.kernel.decide`) for a batch of customers or for one.

Everything is computed **as of the decision date** (``$as_of``, see
:func:`decision_date`): records dated after it are not used (nor shown: the
per-customer records of ``customer_records`` are cut at it too), and each dated
signal's evidence comes with its age in days (``*_days`` columns), which the kernel
compares with the configured recency windows.
Missing numbers are NaN in the output, so every numpy comparison with them is
false (inside SQL they stay NULL: DuckDB orders NaN above every number).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from tools.config_decisions import INTERACTION_SIGNALS, Decisions
from tools.kernel.as_of import decision_date
from tools.kernel.records import records_sql
from tools.store.meta import meta_value

if TYPE_CHECKING:  # DuckDB loads where a connection is made
    import duckdb

DERIVED_VERSION = "6"  # bump when the derived tables' definitions change
RECORDS_SLICE = 200_000  # customers per slice when building the derived tables
BILL_SHOCK_RISE_PCT = 10.0
BILL_SHOCK_EXTRAS_SHARE = 0.30
CONSENT_CHANNELS = ("call", "sms", "email", "push")
PURPOSES = ("marketing", "service", "billing")
_NAN = "'NaN'::DOUBLE"

_CONSENT_COLS = ",\n    ".join(
    f"coalesce(bool_or(channel = '{ch}' AND {p}), false) AS consent_{ch}_{p}"
    for ch in CONSENT_CHANNELS
    for p in PURPOSES
)
# what customers said, per signal: the latest interaction that counts (its topic
# codes and keywords are config, bound as parameters: see said_params)
_SAID_COLS = ",\n        ".join(
    f"max(interaction_date) FILTER (WHERE "
    f"(list_has_any(topics, $said_t{i}::VARCHAR[])"
    f" OR ($said_r{i} <> '' AND regexp_matches(txt, $said_r{i})))"
    f" AND (NOT $said_w{i} OR list_has_any(topics, $said_wt{i}::VARCHAR[])"
    f" OR ($said_wr{i} <> '' AND regexp_matches(txt, $said_wr{i}))))"
    f" AS said_{s}_last"
    for i, s in enumerate(INTERACTION_SIGNALS)
)
_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")
# (signal, topic codes, keywords, the signal it must come together with or "")
SaidSpec = tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...]


def said_spec(d: Decisions) -> SaidSpec:
    """What the configuration reads from interactions, hashable (a cache key)."""
    return tuple(
        (str(k), tuple(v.topics), tuple(v.keywords), str(v.together_with or ""))
        for k, v in sorted(d.interaction_signals.items())
    )


def _pattern(keywords: tuple[str, ...]) -> str:
    """One regular expression matching any keyword literally ('' for none)."""
    return "|".join(
        "".join("\\" + ch if ch in _REGEX_SPECIAL else ch for ch in k) for k in keywords
    )


def said_params(spec: SaidSpec) -> dict[str, object]:
    """The bound parameters of :data:`FEATURES_SQL`'s interaction signals."""
    by = {signal: (topics, words, also) for signal, topics, words, also in spec}
    params: dict[str, object] = {}
    for i, signal in enumerate(INTERACTION_SIGNALS):
        topics, words, also = by.get(signal, ((), (), ""))
        params[f"said_t{i}"] = list(topics)
        params[f"said_r{i}"] = _pattern(words)
        with_topics, with_words, _ = by.get(also, ((), (), ""))
        params[f"said_w{i}"] = bool(also)
        params[f"said_wt{i}"] = list(with_topics)
        params[f"said_wr{i}"] = _pattern(with_words)
    return params


@cache
def default_said() -> SaidSpec:
    """What a configuration without ``interaction_signals`` reads (the shipped one)."""
    return said_spec(Decisions())


def _days(column: str) -> str:
    """Days from ``column`` (a date) to the decision date; NaN when NULL."""
    return f"coalesce(($as_of - {column})::DOUBLE, {_NAN})"


_SAID_DAYS = ",\n    ".join(
    _days(f"i.said_{s}_last") + f" AS said_{s}_days" for s in INTERACTION_SIGNALS
)

BILLS_SQL = f"""
WITH extras AS (
    SELECT customer_id, bill_date,
           sum(amount) FILTER (WHERE kind <> 'late_fee') AS extras_total,
           coalesce(sum(amount) FILTER (WHERE kind = 'late_fee'), 0) AS late_fees,
           sum(amount) FILTER (WHERE kind = 'roaming') AS roaming,
           count(*) FILTER (WHERE kind = 'roaming') AS roaming_n,
           sum(amount) FILTER (WHERE kind = 'data_overage') AS overage,
           count(*) FILTER (WHERE kind = 'data_overage') AS overage_n,
           bool_or(kind = 'late_fee') AS late_fee
    FROM bill_charges WHERE __SLICE__ AND bill_date <= $as_of GROUP BY ALL
), amounts AS (
    SELECT b.customer_id, b.bill_date, b.status,
           coalesce(e.roaming, 0) AS roaming, coalesce(e.roaming_n, 0) AS roaming_n,
           coalesce(e.late_fee, false) AS late_fee,
           coalesce(e.overage, 0) AS overage, coalesce(e.overage_n, 0) AS overage_n,
           coalesce(b.total, b.plan_charge + coalesce(e.extras_total, 0)
               + coalesce(e.late_fees, 0))::DOUBLE AS amount,
           -- a late fee is a payment problem: it makes no bill shock (counted once)
           amount - coalesce(e.late_fees, 0) AS charged,
           coalesce(e.extras_total, 0) >= {BILL_SHOCK_EXTRAS_SHARE} * b.plan_charge
               AS extras_shock
    FROM bills b LEFT JOIN extras e USING (customer_id, bill_date)
    WHERE __SLICE__ AND b.bill_date <= $as_of
), history AS (  -- each customer's bills by date, in one list (no window sort)
    SELECT customer_id,
        list_sort(list({{'d': bill_date, 'a': charged, 'x': extras_shock,
                         't': amount}})) AS h,
        sum(roaming)::DOUBLE AS roaming_charges,
        sum(roaming_n) AS roaming_charge_count,
        bool_or(status = 'overdue' OR late_fee) AS payment_issues,
        max(bill_date) FILTER (WHERE status = 'overdue' OR late_fee) AS payment_last,
        max(bill_date) FILTER (WHERE roaming_n > 0) AS roaming_last,
        sum(overage)::DOUBLE AS overage_charges,
        max(bill_date) FILTER (WHERE overage_n > 0) AS overage_last
    FROM amounts GROUP BY customer_id
), rises AS (  -- % change of each bill over the one before (NULL for the first)
    SELECT *, list_transform(h, lambda b, i:
        CASE WHEN i = 1 OR h[i - 1].a = 0 THEN NULL
             ELSE round((b.a - h[i - 1].a) / h[i - 1].a * 100, 1) END) AS r
    FROM history
), shocks AS (
    SELECT *, list_filter(list_transform(h, lambda b, i:
        CASE WHEN r[i] >= {BILL_SHOCK_RISE_PCT} OR b.x THEN b.d END),
        lambda d: d IS NOT NULL) AS bill_shock_dates
    FROM rises
)
SELECT customer_id, h[-1].t AS bill_latest, r[-1] AS bill_change_pct,
    len(bill_shock_dates) AS bill_shock_count, bill_shock_dates,
    list_max(bill_shock_dates) AS bill_shock_last,
    roaming_charges, roaming_charge_count, payment_issues, payment_last, roaming_last,
    overage_charges, overage_last
FROM shocks
"""

FEATURES_SQL = f"""
WITH bill_f AS ({BILLS_SQL}), usage_f AS (
    SELECT customer_id,
        max_by(data_gb, reading_date, 2) AS last_two,
        max(reading_date) AS usage_last
    FROM usage WHERE __SLICE__ AND reading_date <= $as_of GROUP BY customer_id
), net_f AS (
    SELECT customer_id,
        arg_max(quality, measured_on) AS network_quality,
        arg_max(latency_ms, measured_on) AS network_latency_ms,
        arg_max(packet_loss_pct, measured_on) AS network_packet_loss_pct,
        max(measured_on) AS network_last
    FROM network WHERE __SLICE__ AND measured_on <= $as_of GROUP BY customer_id
), int_a AS (
    SELECT customer_id,
        list(CASE sentiment WHEN 'negative' THEN -1 WHEN 'positive' THEN 1 ELSE 0 END
             ORDER BY seq) AS s,
        max(interaction_date) AS interaction_last,
        {_SAID_COLS}
    FROM (
        SELECT *, lower(coalesce(summary, '') || ' | ' || coalesce(resolution, ''))
            AS txt
        FROM interactions WHERE __SLICE__ AND interaction_date <= $as_of
    )
    GROUP BY customer_id
), int_f AS (
    SELECT *,
        len(s) AS interaction_count,
        list_count(list_filter(s, lambda x: x = -1)) AS negative_interactions,
        least(len(s), 3) AS recent_count,
        list_count(list_filter(s[-3:], lambda x: x = -1)) AS recent_negative,
        CASE WHEN len(s) < 2 THEN 'unknown'
             WHEN list_avg(s[len(s) // 2 + 1:])
                  < list_avg(s[:len(s) // 2]) - 0.25 THEN 'worsening'
             WHEN list_avg(s[len(s) // 2 + 1:])
                  > list_avg(s[:len(s) // 2]) + 0.25 THEN 'improving'
             ELSE 'stable' END AS sentiment_trend
    FROM int_a
), consent_f AS (
    SELECT customer_id, count(*) AS consent_channels,
    {_CONSENT_COLS}
    FROM consents WHERE __SLICE__ GROUP BY customer_id
), ranked AS (  -- the kernel's row number: position in id order (sorts ids only)
    SELECT customer_id,
        (row_number() OVER (ORDER BY customer_id) - 1 + $base)::BIGINT AS row_no
    FROM customers WHERE __SLICE__
)
SELECT
    r.row_no,
    $as_of::DATE AS as_of,
    c.customer_id, c.segment, c.region, c.plan_name, c.time_zone,
    c.vulnerable, c.monthly_revenue::DOUBLE AS monthly_revenue,
    c.churn_score, c.tenure_months, c.plan_lines AS lines,
    c.plan_data_allowance_gb,
    {_days("c.churn_scored_on")} AS churn_days,
    u.last_two[1] AS latest_raw,
    u.last_two[2] AS previous_raw,
    coalesce(latest_raw, {_NAN}) AS usage_latest_gb,
    CASE WHEN c.plan_data_allowance_gb > 0
         THEN round(latest_raw / c.plan_data_allowance_gb, 2) END
        AS usage_ratio_raw,
    coalesce(usage_ratio_raw, {_NAN}) AS usage_ratio,
    CASE WHEN usage_ratio_raw IS NULL THEN 0
         ELSE round(greatest(0, latest_raw - c.plan_data_allowance_gb), 2)
         END AS overage_gb,
    CASE WHEN previous_raw IS NULL OR previous_raw = 0 THEN {_NAN}
         ELSE round((latest_raw - previous_raw) / previous_raw * 100, 1)
         END AS usage_trend_pct,
    {_days("u.usage_last")} AS usage_days,
    coalesce(b.bill_latest, {_NAN}) AS bill_latest,
    coalesce(b.bill_change_pct, {_NAN}) AS bill_change_pct,
    coalesce(b.bill_shock_count, 0) AS bill_shock_count,
    coalesce(b.bill_shock_dates, []::DATE[]) AS bill_shock_dates,
    {_days("b.bill_shock_last")} AS bill_shock_days,
    round(coalesce(b.roaming_charges, 0), 2) AS roaming_charges,
    coalesce(b.roaming_charge_count, 0) AS roaming_charge_count,
    coalesce(b.payment_issues, false) AS payment_issues,
    {_days("b.payment_last")} AS payment_issue_days,
    {_days("b.roaming_last")} AS roaming_days,
    round(coalesce(b.overage_charges, 0), 2) AS overage_charges,
    {_days("b.overage_last")} AS overage_days,
    n.network_quality,
    CASE n.network_quality WHEN 'poor' THEN 0 WHEN 'fair' THEN 1 WHEN 'good' THEN 2
         WHEN 'excellent' THEN 3 ELSE -1 END AS network_quality_rank,
    coalesce(n.network_latency_ms, {_NAN}) AS network_latency_ms,
    coalesce(n.network_packet_loss_pct, {_NAN}) AS network_packet_loss_pct,
    {_days("n.network_last")} AS network_days,
    coalesce(i.interaction_count, 0) AS interaction_count,
    coalesce(i.negative_interactions, 0) AS negative_interactions,
    coalesce(i.recent_count, 0) AS recent_count,
    coalesce(i.recent_negative, 0) AS recent_negative,
    coalesce(i.sentiment_trend, 'unknown') AS sentiment_trend,
    coalesce(i.sentiment_trend = 'worsening', false) AS sentiment_worsening,
    {_days("i.interaction_last")} AS interaction_days,
    {_SAID_DAYS},
    coalesce(k.consent_channels, 0) AS consent_channels,
    {
    ", ".join(
        f"coalesce(k.consent_{ch}_{p}, false) AS consent_{ch}_{p}"
        for ch in CONSENT_CHANNELS
        for p in PURPOSES
    )
}
FROM customers c
JOIN ranked r USING (customer_id)
LEFT JOIN usage_f u USING (customer_id)
LEFT JOIN bill_f b USING (customer_id)
LEFT JOIN net_f n USING (customer_id)
LEFT JOIN int_f i USING (customer_id)
LEFT JOIN consent_f k USING (customer_id)
WHERE __SLICE__
ORDER BY r.row_no
"""

# The offers that matter on the decision date, one row each (read by
# tools.kernel.offers): live ones (open or pending, made on or before the date, not
# expired) with whether the customer holds the product already (it is the current
# plan or an offer they accepted) and how long ago they declined the same product;
# and declined ones with their age (the treatment's cool-off). ``pos`` is the
# offer's index in the customer's record (offers up to the date, in seq order).
OFFERS_SQL = f"""
WITH o AS (
    SELECT customer_id, offer_date, treatment, acceptance_probability, status,
        lower(trim(name)) AS product, kind, value,
        status IN ('open', 'pending') AND coalesce(expires >= $as_of, true) AS live,
        (row_number() OVER (PARTITION BY customer_id ORDER BY seq) - 1)::INTEGER
            AS pos
    FROM offers WHERE __SLICE__ AND offer_date <= $as_of
), held AS (
    SELECT customer_id, product FROM o WHERE status = 'accepted'
    UNION
    SELECT customer_id, lower(trim(plan_name)) FROM customers WHERE __SLICE__
), declined AS (
    SELECT customer_id, product, max(offer_date) AS last FROM o
    WHERE status = 'declined' GROUP BY ALL
)
SELECT f.row_no, o.customer_id, o.treatment, o.pos, o.live,
    o.acceptance_probability AS propensity,
    coalesce(o.kind, '') AS kind, coalesce(o.value, 0)::DOUBLE AS offer_value,
    h.product IS NOT NULL AS held,
    {_days("d.last")} AS product_declined_days,
    {_days("o.offer_date")} AS age_days
FROM o JOIN customer_features f USING (customer_id)
LEFT JOIN held h USING (customer_id, product)
LEFT JOIN declined d USING (customer_id, product)
WHERE o.live OR (o.treatment IS NOT NULL AND o.status = 'declined')
ORDER BY f.row_no, o.pos
"""
OFFER_COLUMNS = (  # what the kernel reads of offer_propensity, per offer
    "row_no",
    "treatment",
    "pos",
    "live",
    "propensity",
    "held",
    "product_declined_days",
    "age_days",
    "kind",
    "offer_value",
)


def _slice(sql: str, upper: bool) -> str:
    """``sql`` for the customers of one slice: ids ``>= $lo`` (and ``< $hi``)."""
    cond = "customer_id >= $lo" + (" AND customer_id < $hi" if upper else "")
    return sql.replace("__SLICE__", cond)


def derived_stamp(configured: date | None, said: SaidSpec) -> str:
    """What ``meta.derived_version`` says of tables built for this configuration.

    The configured date, and a digest of what is read from interactions (topics,
    keywords): tables built for other keywords are rebuilt when opened, equal
    tables (the shipped configuration's and the defaults) share their tables.
    """
    stamp = DERIVED_VERSION + (f"@{configured.isoformat()}" if configured else "")
    return stamp + "#" + hashlib.sha256(repr(said).encode()).hexdigest()[:12]


def build(
    con: duckdb.DuckDBPyConnection,
    tick: Callable[[str], None] | None,
    as_of: date | None,
    said: SaidSpec,
) -> None:
    """(Re)build the derived tables on a connection, as of the decision date.

    ``customer_features`` and ``offer_propensity`` (the kernel's inputs) and
    ``customer_records`` (each customer's rows in one row, for the chat path), each
    stored in customer order (the kernel reads them in ``row_no`` ranges). Every
    table is built in slices of ``RECORDS_SLICE`` customers (the stored tables are
    sorted by customer, so a slice reads only its row groups): memory stays
    bounded whatever the base's size. ``meta`` records the decision date
    (``as_of``) and where it came from (``as_of_source``).

    Args:
        con: A DuckDB connection to the store being built.
        tick: Called with a label as each step starts (a progress bar).
        as_of: The configured decision date (None: see :func:`decision_date`).
        said: What is read from interactions (:func:`said_spec`).
    """
    step = tick or (lambda _label: None)
    run = con.execute
    run("SET enable_progress_bar = false")
    run("SET preserve_insertion_order = true")  # stored in the ORDER BY's order
    for table in ("offer_propensity", "customer_features", "customer_records"):
        run(f"DROP TABLE IF EXISTS {table}")
    day, source = decision_date(con, as_of)
    bounds = [
        r[0]
        for r in run(
            "SELECT customer_id FROM (SELECT customer_id, row_number() OVER "
            "(ORDER BY customer_id) AS n FROM customers) "
            f"WHERE n % {RECORDS_SLICE} = 1 ORDER BY customer_id"
        ).fetchall()
    ] or [""]
    builds = [
        ("journey metrics", "customer_features", FEATURES_SQL),
        (None, "offer_propensity", OFFERS_SQL),
        ("customer records", "customer_records", records_sql()),
    ]
    for label, table, sql in builds:
        if label:
            step(label)
        for i, lo in enumerate(bounds):
            upper = i + 1 < len(bounds)
            params: dict[str, object] = {"lo": lo}
            if upper:
                params["hi"] = bounds[i + 1]
            if "$base" in sql:
                params["base"] = i * RECORDS_SLICE  # row_no of the slice's first
            if "$as_of" in sql:
                params["as_of"] = day
            if "$said_t0" in sql:
                params.update(said_params(said))
            verb = f"CREATE TABLE {table} AS" if i == 0 else f"INSERT INTO {table}"
            run(f"{verb} {_slice(sql, upper)}", params)
    # point lookups by id (the chat path) use these instead of scanning row groups
    step("indexes")
    run("CREATE UNIQUE INDEX customer_features_id ON customer_features (customer_id)")
    run("CREATE UNIQUE INDEX customer_records_id ON customer_records (customer_id)")
    meta_value(con, "derived_version")  # creates meta when missing
    for key, value in (
        ("derived_version", derived_stamp(as_of, said)),
        ("as_of", day.isoformat()),
        ("as_of_source", source),
    ):
        run("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
