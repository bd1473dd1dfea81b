"""The SQL of the journey metrics: one row of numbers per customer, as of a date.

``FEATURES_SQL`` turns the store's tables into ``customer_features`` (usage vs
allowance, bill shocks, roaming, payments, network, topics, sentiment, consents,
…), one slice of customers at a time (``__SLICE__``), every dated signal with its
age in days as of ``$as_of``; :func:`tools.kernel.features.build` runs it.
"""

from __future__ import annotations

from tools.kernel.as_of import SQL_NAN, days_sql
from tools.kernel.said import SAID_COLUMNS, SAID_DAYS

BILL_SHOCK_RISE_PCT = 10.0
BILL_SHOCK_EXTRAS_SHARE = 0.30
CONSENT_CHANNELS = ("call", "sms", "email", "push")
PURPOSES = ("marketing", "service", "billing")
_CONSENT_COLS = ",\n    ".join(
    f"coalesce(bool_or(channel = '{ch}' AND {p}), false) AS consent_{ch}_{p}"
    for ch in CONSENT_CHANNELS
    for p in PURPOSES
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
        {SAID_COLUMNS}
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
    {days_sql("c.churn_scored_on")} AS churn_days,
    u.last_two[1] AS latest_raw,
    u.last_two[2] AS previous_raw,
    coalesce(latest_raw, {SQL_NAN}) AS usage_latest_gb,
    CASE WHEN c.plan_data_allowance_gb > 0
         THEN round(latest_raw / c.plan_data_allowance_gb, 2) END
        AS usage_ratio_raw,
    coalesce(usage_ratio_raw, {SQL_NAN}) AS usage_ratio,
    CASE WHEN usage_ratio_raw IS NULL THEN 0
         ELSE round(greatest(0, latest_raw - c.plan_data_allowance_gb), 2)
         END AS overage_gb,
    CASE WHEN previous_raw IS NULL OR previous_raw = 0 THEN {SQL_NAN}
         ELSE round((latest_raw - previous_raw) / previous_raw * 100, 1)
         END AS usage_trend_pct,
    {days_sql("u.usage_last")} AS usage_days,
    coalesce(b.bill_latest, {SQL_NAN}) AS bill_latest,
    coalesce(b.bill_change_pct, {SQL_NAN}) AS bill_change_pct,
    coalesce(b.bill_shock_count, 0) AS bill_shock_count,
    coalesce(b.bill_shock_dates, []::DATE[]) AS bill_shock_dates,
    {days_sql("b.bill_shock_last")} AS bill_shock_days,
    round(coalesce(b.roaming_charges, 0), 2) AS roaming_charges,
    coalesce(b.roaming_charge_count, 0) AS roaming_charge_count,
    coalesce(b.payment_issues, false) AS payment_issues,
    {days_sql("b.payment_last")} AS payment_issue_days,
    {days_sql("b.roaming_last")} AS roaming_days,
    round(coalesce(b.overage_charges, 0), 2) AS overage_charges,
    {days_sql("b.overage_last")} AS overage_days,
    n.network_quality,
    CASE n.network_quality WHEN 'poor' THEN 0 WHEN 'fair' THEN 1 WHEN 'good' THEN 2
         WHEN 'excellent' THEN 3 ELSE -1 END AS network_quality_rank,
    coalesce(n.network_latency_ms, {SQL_NAN}) AS network_latency_ms,
    coalesce(n.network_packet_loss_pct, {SQL_NAN}) AS network_packet_loss_pct,
    {days_sql("n.network_last")} AS network_days,
    coalesce(i.interaction_count, 0) AS interaction_count,
    coalesce(i.negative_interactions, 0) AS negative_interactions,
    coalesce(i.recent_count, 0) AS recent_count,
    coalesce(i.recent_negative, 0) AS recent_negative,
    coalesce(i.sentiment_trend, 'unknown') AS sentiment_trend,
    coalesce(i.sentiment_trend = 'worsening', false) AS sentiment_worsening,
    {days_sql("i.interaction_last")} AS interaction_days,
    {SAID_DAYS},
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
