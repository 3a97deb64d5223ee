"""The SQL baselines of ``bench/score.py``, written by hand for score policy 2023-12-15.

Hand-written DuckDB SQL computing the same fixed-point arithmetic as the pure rules
(``docs/score.md``) over the same Parquet files, so that every contender can be compared digit
for digit: bench/score.py's own hand SQL (``HAND_QUERY``, the shape the Ibis expression had
before issue 17: ``FILTER`` clauses and an epoch conversion of every instant), the fastest
single query we could write (``EXPERT_QUERY``), and the column-scan floor (``FLOOR_QUERY``).
The pandas baseline is in ``score_pandas.py``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

HAND_SQL = """
CREATE MACRO rhu(a, b) AS (2 * a + b) // (2 * b);
CREATE MACRO seg(x, x0, y0, x1, y1) AS rhu(y0 * (x1 - x) + y1 * (x - x0), x1 - x0);
CREATE MACRO map3(x, x0, y0, x1, y1, x2, y2) AS CASE
    WHEN x IS NULL THEN NULL WHEN x <= x0 THEN y0 WHEN x <= x1 THEN seg(x, x0, y0, x1, y1)
    WHEN x <= x2 THEN seg(x, x1, y1, x2, y2) ELSE y2 END;
CREATE MACRO map4(x, x0, y0, x1, y1, x2, y2, x3, y3) AS CASE
    WHEN x IS NULL THEN NULL WHEN x <= x0 THEN y0 WHEN x <= x1 THEN seg(x, x0, y0, x1, y1)
    WHEN x <= x2 THEN seg(x, x1, y1, x2, y2) WHEN x <= x3 THEN seg(x, x2, y2, x3, y3)
    ELSE y3 END;
CREATE MACRO ratio(n, d, scale, divisor) AS CASE WHEN d > 0 THEN rhu(n * scale, d * divisor) END;
CREATE MACRO w(y, weight) AS CASE WHEN y IS NULL THEN 0 ELSE weight END;
CREATE MACRO wy(y, weight) AS coalesce(y * weight, 0);
"""

HAND_AGGREGATES = """
WITH o AS (
  SELECT merchant_id, channel, promised_shipping_hours::BIGINT * 3600 AS promised,
    epoch(paid_at)::BIGINT AS paid, epoch(shipped_at)::BIGINT AS shipped,
    epoch(delivered_at)::BIGINT AS delivered, epoch(rated_at)::BIGINT AS rated,
    epoch(cs_first_message_at)::BIGINT AS messaged, cs_first_response_seconds AS response,
    epoch(refund_requested_at)::BIGINT AS requested, epoch(refund_handled_at)::BIGINT AS handled,
    refund_approved, refund_reason, epoch(dispute_at)::BIGINT AS disputed,
    epoch(complaint_at)::BIGINT AS complained,
    product_rating, logistics_rating, service_rating, content_rating
  FROM read_parquet('{glob}', hive_partitioning = true)
  WHERE day BETWEEN DATE '{first}' AND DATE '{last}'
    AND (cancelled_at IS NULL OR epoch(cancelled_at) >= {end})
), a AS (
  SELECT merchant_id, count(*) AS orders,
    coalesce(sum(product_rating) FILTER (rated < {end}), 0) AS pr_sum,
    count(product_rating) FILTER (rated < {end}) AS pr_n,
    count(*) FILTER (handled < {end} AND requested IS NOT NULL AND refund_approved
                     AND refund_reason = 'quality') AS quality_refunds,
    count(*) FILTER (shipped < {end} AND shipped - paid <= promised) AS on_time,
    count(*) FILTER (paid + promised < {end} OR shipped < {end}) AS due,
    coalesce(sum(delivered - shipped) FILTER (delivered < {end} AND shipped IS NOT NULL), 0)
      AS transit_s,
    count(*) FILTER (delivered < {end} AND shipped IS NOT NULL) AS delivered_n,
    coalesce(sum(logistics_rating) FILTER (rated < {end}), 0) AS lr_sum,
    count(logistics_rating) FILTER (rated < {end}) AS lr_n,
    count(*) FILTER (messaged < {end} AND response <= 180) AS replied,
    count(*) FILTER (messaged < {end}) AS messages,
    coalesce(sum(service_rating) FILTER (rated < {end}), 0) AS sr_sum,
    count(service_rating) FILTER (rated < {end}) AS sr_n,
    coalesce(sum(handled - requested) FILTER (handled < {end} AND requested IS NOT NULL), 0)
      AS handling_s,
    count(*) FILTER (handled < {end} AND requested IS NOT NULL) AS handled_n,
    count(*) FILTER (disputed < {end}) AS disputes,
    count(*) FILTER (complained < {end}) AS complaints,
    coalesce(sum(content_rating) FILTER (rated < {end} AND channel = 'live'), 0) AS live_sum,
    count(content_rating) FILTER (rated < {end} AND channel = 'live') AS live_n,
    coalesce(sum(content_rating) FILTER (rated < {end} AND channel = 'short_video'), 0) AS sv_sum,
    count(content_rating) FILTER (rated < {end} AND channel = 'short_video') AS sv_n
  FROM o GROUP BY merchant_id
"""

SCORE_STAGE = """
), y AS (
  SELECT merchant_id, orders,
    map4(ratio(pr_sum, pr_n, 10000, 1), 10000, 0, 30000, 20000, 45000, 45000, 49000, 50000) AS pr,
    map4(ratio(quality_refunds, orders, 1000000, 1), 0, 50000, 5000, 48000, 20000, 40000,
         100000, 0) AS qr,
    map3(ratio(on_time, due, 1000000, 1), 800000, 0, 950000, 40000, 990000, 50000) AS ot,
    map3(ratio(transit_s, delivered_n, 100, 3600), 2400, 50000, 7200, 40000, 16800, 0) AS dh,
    map3(ratio(lr_sum, lr_n, 10000, 1), 10000, 0, 45000, 45000, 49000, 50000) AS lr,
    map3(ratio(replied, messages, 1000000, 1), 500000, 0, 800000, 40000, 950000, 50000) AS rr,
    map3(ratio(sr_sum, sr_n, 10000, 1), 10000, 0, 45000, 45000, 49000, 50000) AS sr,
    map3(ratio(handling_s, handled_n, 100, 3600), 400, 50000, 2400, 45000, 7200, 0) AS rh,
    map3(ratio(disputes, orders, 1000000, 1), 0, 50000, 1000, 48000, 10000, 0) AS dr,
    map3(ratio(complaints, orders, 1000000, 1), 0, 50000, 2000, 48000, 20000, 0) AS cr,
    map3(ratio(live_sum, live_n, 10000, 1), 10000, 0, 45000, 45000, 49000, 50000) AS lc,
    map3(ratio(sv_sum, sv_n, 10000, 1), 10000, 0, 45000, 45000, 49000, 50000) AS sc
  FROM a
), d AS (
  SELECT merchant_id, orders,
    CASE WHEN w(pr, 6) + w(qr, 4) > 0
      THEN rhu(wy(pr, 6) + wy(qr, 4), w(pr, 6) + w(qr, 4)) END AS product,
    CASE WHEN w(ot, 4) + w(dh, 3) + w(lr, 3) > 0
      THEN rhu(wy(ot, 4) + wy(dh, 3) + wy(lr, 3), w(ot, 4) + w(dh, 3) + w(lr, 3)) END
      AS logistics,
    CASE WHEN w(rr, 1) + w(sr, 1) > 0
      THEN rhu(wy(rr, 1) + wy(sr, 1), w(rr, 1) + w(sr, 1)) END AS service,
    CASE WHEN w(rh, 4) + w(dr, 3) + w(cr, 3) > 0
      THEN rhu(wy(rh, 4) + wy(dr, 3) + wy(cr, 3), w(rh, 4) + w(dr, 3) + w(cr, 3)) END
      AS after_sales,
    CASE WHEN w(lc, 1) + w(sc, 1) > 0
      THEN rhu(wy(lc, 1) + wy(sc, 1), w(lc, 1) + w(sc, 1)) END AS content
  FROM y
), t AS (
  SELECT merchant_id, orders,
    CASE WHEN w(product, 30) + w(logistics, 20) + w(service, 15) + w(after_sales, 25)
              + w(content, 10) > 0
      THEN rhu(wy(product, 30) + wy(logistics, 20) + wy(service, 15) + wy(after_sales, 25)
               + wy(content, 10),
               100 * (w(product, 30) + w(logistics, 20) + w(service, 15) + w(after_sales, 25)
                      + w(content, 10))) END AS total
  FROM d
)
SELECT merchant_id,
  CASE WHEN orders >= 30 AND total IS NOT NULL THEN 'scored' ELSE 'insufficient_data' END
    AS status,
  CASE WHEN orders >= 30 THEN total END AS total_hundredths,
  CASE WHEN orders >= 30 THEN greatest(total, 300) END AS score_hundredths
FROM t
"""

HAND_QUERY = HAND_AGGREGATES + SCORE_STAGE
"""bench/score.py's own hand SQL: the same shape as the Ibis expression had before issue 17."""

EXPERT_AGGREGATES = """
WITH a AS (
  SELECT merchant_id, count(*) AS orders,
    coalesce(sum(CASE WHEN rated_at < {end_at} THEN product_rating END), 0) AS pr_sum,
    count(CASE WHEN rated_at < {end_at} THEN product_rating END) AS pr_n,
    count(CASE WHEN refund_handled_at < {end_at} AND refund_requested_at IS NOT NULL
               AND refund_approved AND refund_reason = 'quality' THEN 1 END) AS quality_refunds,
    count(CASE WHEN shipped_at < {end_at} AND epoch_us(shipped_at) - epoch_us(paid_at)
               <= promised_shipping_hours * 3600000000 THEN 1 END) AS on_time,
    count(CASE WHEN epoch_us(paid_at) + promised_shipping_hours * 3600000000 < {end_us}
               OR shipped_at < {end_at} THEN 1 END) AS due,
    coalesce(sum(CASE WHEN delivered_at < {end_at} AND shipped_at IS NOT NULL
                      THEN (epoch_us(delivered_at) - epoch_us(shipped_at)) // 1000000 END), 0)
      AS transit_s,
    count(CASE WHEN delivered_at < {end_at} AND shipped_at IS NOT NULL THEN 1 END)
      AS delivered_n,
    coalesce(sum(CASE WHEN rated_at < {end_at} THEN logistics_rating END), 0) AS lr_sum,
    count(CASE WHEN rated_at < {end_at} THEN logistics_rating END) AS lr_n,
    count(CASE WHEN cs_first_message_at < {end_at} AND cs_first_response_seconds <= 180
               THEN 1 END) AS replied,
    count(CASE WHEN cs_first_message_at < {end_at} THEN 1 END) AS messages,
    coalesce(sum(CASE WHEN rated_at < {end_at} THEN service_rating END), 0) AS sr_sum,
    count(CASE WHEN rated_at < {end_at} THEN service_rating END) AS sr_n,
    coalesce(sum(CASE WHEN refund_handled_at < {end_at} AND refund_requested_at IS NOT NULL
                      THEN (epoch_us(refund_handled_at) - epoch_us(refund_requested_at))
                           // 1000000 END), 0) AS handling_s,
    count(CASE WHEN refund_handled_at < {end_at} AND refund_requested_at IS NOT NULL
               THEN 1 END) AS handled_n,
    count(CASE WHEN dispute_at < {end_at} THEN 1 END) AS disputes,
    count(CASE WHEN complaint_at < {end_at} THEN 1 END) AS complaints,
    coalesce(sum(CASE WHEN rated_at < {end_at} AND channel = 'live' THEN content_rating END), 0)
      AS live_sum,
    count(CASE WHEN rated_at < {end_at} AND channel = 'live' THEN content_rating END) AS live_n,
    coalesce(sum(CASE WHEN rated_at < {end_at} AND channel = 'short_video'
                      THEN content_rating END), 0) AS sv_sum,
    count(CASE WHEN rated_at < {end_at} AND channel = 'short_video' THEN content_rating END)
      AS sv_n
  FROM read_parquet('{glob}', hive_partitioning = true)
  WHERE day BETWEEN DATE '{first}' AND DATE '{last}'
    AND (cancelled_at IS NULL OR cancelled_at >= {end_at})
  GROUP BY merchant_id
"""
"""The fastest single query we could write (bench/score.py's "expert SQL"): one pass over
the window's Parquet files (its ``day`` partitions only, the 20 columns the score reads), plain
conditional aggregates (``count(CASE WHEN … THEN 1 END)``: faster in DuckDB than ``FILTER``
clauses or ``count_if``), each instant compared as stored with the window's end (no epoch
conversion per value; ``epoch_us`` is the stored integer where a duration is needed), no join,
no sort; then the same per-merchant arithmetic as the hand SQL."""

FLOOR_QUERY = """
SELECT count(merchant_id), count(channel), count(promised_shipping_hours), count(paid_at),
  count(shipped_at), count(delivered_at), count(cancelled_at), count(rated_at),
  count(product_rating), count(logistics_rating), count(service_rating), count(content_rating),
  count(cs_first_message_at), count(cs_first_response_seconds), count(refund_requested_at),
  count(refund_reason), count(refund_handled_at), count(refund_approved), count(dispute_at),
  count(complaint_at)
FROM read_parquet('{glob}', hive_partitioning = true)
WHERE day BETWEEN DATE '{first}' AND DATE '{last}'
"""
"""The floor: reading and decoding the 20 columns the score needs over the window, nothing
computed."""

EXPERT_STAGE = """
), x AS (
  SELECT merchant_id, orders, orders >= 30 AS enough,
    CASE WHEN enough AND pr_n > 0 THEN (2 * pr_sum * 10000 + pr_n) // (2 * pr_n) END AS pr,
    CASE WHEN enough THEN (2 * quality_refunds * 1000000 + orders) // (2 * orders) END AS qr,
    CASE WHEN enough AND due > 0 THEN (2 * on_time * 1000000 + due) // (2 * due) END AS ot,
    CASE WHEN enough AND delivered_n > 0
      THEN (2 * transit_s * 100 + delivered_n * 3600) // (2 * delivered_n * 3600) END AS dh,
    CASE WHEN enough AND lr_n > 0 THEN (2 * lr_sum * 10000 + lr_n) // (2 * lr_n) END AS lr,
    CASE WHEN enough AND messages > 0
      THEN (2 * replied * 1000000 + messages) // (2 * messages) END AS rr,
    CASE WHEN enough AND sr_n > 0 THEN (2 * sr_sum * 10000 + sr_n) // (2 * sr_n) END AS sr,
    CASE WHEN enough AND handled_n > 0
      THEN (2 * handling_s * 100 + handled_n * 3600) // (2 * handled_n * 3600) END AS rh,
    CASE WHEN enough THEN (2 * disputes * 1000000 + orders) // (2 * orders) END AS dr,
    CASE WHEN enough THEN (2 * complaints * 1000000 + orders) // (2 * orders) END AS cr,
    CASE WHEN enough AND live_n > 0 THEN (2 * live_sum * 10000 + live_n) // (2 * live_n) END
      AS lc,
    CASE WHEN enough AND sv_n > 0 THEN (2 * sv_sum * 10000 + sv_n) // (2 * sv_n) END AS sc
  FROM a
), y AS (
  SELECT merchant_id, orders, enough,
    map4(pr, 10000, 0, 30000, 20000, 45000, 45000, 49000, 50000) AS pr,
    map4(qr, 0, 50000, 5000, 48000, 20000, 40000, 100000, 0) AS qr,
    map3(ot, 800000, 0, 950000, 40000, 990000, 50000) AS ot,
    map3(dh, 2400, 50000, 7200, 40000, 16800, 0) AS dh,
    map3(lr, 10000, 0, 45000, 45000, 49000, 50000) AS lr,
    map3(rr, 500000, 0, 800000, 40000, 950000, 50000) AS rr,
    map3(sr, 10000, 0, 45000, 45000, 49000, 50000) AS sr,
    map3(rh, 400, 50000, 2400, 45000, 7200, 0) AS rh,
    map3(dr, 0, 50000, 1000, 48000, 10000, 0) AS dr,
    map3(cr, 0, 50000, 2000, 48000, 20000, 0) AS cr,
    map3(lc, 10000, 0, 45000, 45000, 49000, 50000) AS lc,
    map3(sc, 10000, 0, 45000, 45000, 49000, 50000) AS sc
  FROM x
"""
"""The expert's per-merchant arithmetic: each value computed once (a macro argument is
inlined wherever the macro uses it, so ``map4(ratio(…))`` computes the ratio up to eight
times), and only for merchants with enough orders to be scored (SCORE-4)."""

EXPERT_QUERY = EXPERT_AGGREGATES + EXPERT_STAGE + SCORE_STAGE[SCORE_STAGE.index("), d AS (") :]


def window_state(as_of: datetime) -> dict[str, Any]:
    """What the queries need to know of the window (computed before the clock starts)."""
    from shopwarden.scoring.window_rules import score_window

    window = score_window(as_of, 30)
    return {
        "first": window.first_day,
        "last": window.last_day,
        "end": window.end_epoch,
        "end_us": window.end_epoch * 1_000_000,
        "end_at": f"TIMESTAMPTZ '{window.end.isoformat()}'",
    }


def _prepared(as_of: datetime) -> dict[str, Any]:
    """The window, with DuckDB loaded, as shopwarden's contender has its libraries loaded."""
    import duckdb

    duckdb.connect().close()
    return window_state(as_of)


def _duckdb_query(root: Path, threads: int, query: str, state: dict[str, Any]) -> Any:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(HAND_SQL)
    glob = str(root / "orders" / "day=*" / "*.parquet")
    return con.sql(query.format(glob=glob, **state)).to_arrow_table()


def run_hand_sql(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """bench/score.py's own hand SQL (the shape the Ibis expression had before)."""
    if prepare:
        return _prepared(as_of)
    return _duckdb_query(root, threads, HAND_QUERY, state)


def run_expert_sql(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The fastest single query we could write, ``EXPERT_QUERY``."""
    if prepare:
        return _prepared(as_of)
    return _duckdb_query(root, threads, EXPERT_QUERY, state)


def run_floor(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The column-scan floor, ``FLOOR_QUERY``: no answer to compare, only a time."""
    if prepare:
        return _prepared(as_of)
    return _duckdb_query(root, threads, FLOOR_QUERY, state)
