"""Benchmark: a campaign report (REPORT-1) over generated facts, two ways.

1. shopwarden: the report's Ibis expression on DuckDB (``reports.service.compute_sums``: the
   industry and one segment, the campaign and its baseline, orders and live sessions), the
   first report of its process (building and compiling the expression included);
   shopwarden_warm: the same in a process that worked out the previous edition's report first,
   as a running service has (the target applies to it);
2. hand_sql: the same sums in one DuckDB query written by hand (``HAND_QUERY``).

The facts are generated once into ``--workdir`` (half the orders in the baseline's year, half in
the campaign's) and reused while the arguments are the same. Each contender runs in its own
process, ``--repeat`` times, interleaved; the medians are compared. Prints seconds and the
ratios, and exits 1 unless all give the same sums for every slice and merchant. Target:
shopwarden_warm <= 1.25 x the hand SQL.

    python bench/report.py --orders 5000000 --merchants 50000 --workdir /tmp/report-5m

Figures measured so far (a loaded 2-core machine) are in docs/reports.md, "Benchmark".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

CAMPAIGN = (date(2024, 1, 13), date(2024, 1, 29))
BASELINE = (date(2023, 1, 5), date(2023, 1, 21))
INDUSTRY = ("womens_clothing", "womens_dresses", "womens_tops", "womens_coats")
SEGMENT = ("womens_coats",)
SEGMENT_MERCHANTS = ("m00007", "m00011")
BIG_SESSION_CENTS = 100_000_000  # 1,000,000.00 (the policy's)
CONTENDERS = ("shopwarden", "shopwarden_warm", "hand_sql")

HAND_QUERY = """
WITH o AS (
  SELECT merchant_id, amount_cents, channel, buyer_id, buyer_is_fan, live_session_id,
    category_code, day BETWEEN DATE '{c1}' AND DATE '{c2}' AS now
  FROM read_parquet('{orders}', hive_partitioning = true, union_by_name = true)
  WHERE (day BETWEEN DATE '{c1}' AND DATE '{c2}' OR day BETWEEN DATE '{b1}' AND DATE '{b2}')
    AND cancelled_at IS NULL AND category_code IN ({industry})
), t AS (
  SELECT 'womens_clothing' AS slice, * FROM o
  UNION ALL
  SELECT '特色综合商圈' AS slice, * FROM o
  WHERE category_code IN ({segment}) OR merchant_id IN ({segment_merchants})
), g AS (
  SELECT slice, merchant_id,
    sum(amount_cents) FILTER (now) AS gmv,
    sum(amount_cents) FILTER (now AND channel = 'short_video') AS short_video_gmv,
    sum(amount_cents) FILTER (NOT now) AS base_gmv,
    sum(amount_cents) FILTER (NOT now AND channel = 'short_video') AS base_short_video_gmv
  FROM t GROUP BY ALL
), f AS (
  SELECT slice, merchant_id, count(*) AS fans, count(*) FILTER (n >= 2) AS repeat_fans
  FROM (SELECT slice, merchant_id, buyer_id, count(*) AS n FROM t
        WHERE now AND buyer_is_fan AND buyer_id IS NOT NULL GROUP BY ALL)
  GROUP BY ALL
), s AS (
  SELECT slice, merchant_id, count(*) FILTER (g >= {big}) AS big_sessions,
    max(g) AS top_session_gmv
  FROM (SELECT slice, merchant_id, live_session_id, sum(amount_cents) AS g FROM t
        WHERE now AND live_session_id IS NOT NULL GROUP BY ALL)
  GROUP BY ALL
), l AS (
  SELECT merchant_id,
    sum(epoch(ended_at)::BIGINT - epoch(started_at)::BIGINT)
      FILTER (started_at >= TIMESTAMPTZ '{c1} 00:00:00+08'
              AND started_at < TIMESTAMPTZ '{ce} 00:00:00+08')
      AS live_seconds,
    sum(epoch(ended_at)::BIGINT - epoch(started_at)::BIGINT)
      FILTER (started_at >= TIMESTAMPTZ '{b1} 00:00:00+08'
              AND started_at < TIMESTAMPTZ '{be} 00:00:00+08')
      AS base_live_seconds
  FROM read_parquet('{sessions}') GROUP BY ALL
)
SELECT g.slice, g.merchant_id, coalesce(gmv, 0) AS gmv,
  coalesce(short_video_gmv, 0) AS short_video_gmv, coalesce(fans, 0) AS fans,
  coalesce(repeat_fans, 0) AS repeat_fans, coalesce(big_sessions, 0) AS big_sessions,
  coalesce(top_session_gmv, 0) AS top_session_gmv, coalesce(live_seconds, 0) AS live_seconds,
  coalesce(base_gmv, 0) AS base_gmv, coalesce(base_short_video_gmv, 0) AS base_short_video_gmv,
  coalesce(base_live_seconds, 0) AS base_live_seconds
FROM g LEFT JOIN f USING (slice, merchant_id) LEFT JOIN s USING (slice, merchant_id)
  LEFT JOIN l USING (merchant_id)
"""


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def hand_sql(root: Path) -> dict[tuple[str, str], tuple[int, ...]]:
    import duckdb

    from shopwarden.facts.sessions_storage import sessions_glob
    from shopwarden.facts.storage import parquet_glob

    (c1, c2), (b1, b2) = CAMPAIGN, BASELINE
    query = HAND_QUERY.format(
        orders=parquet_glob(root),
        sessions=sessions_glob(root),
        c1=c1,
        c2=c2,
        b1=b1,
        b2=b2,
        ce=date.fromordinal(c2.toordinal() + 1),
        be=date.fromordinal(b2.toordinal() + 1),
        industry=_codes(INDUSTRY),
        segment=_codes(SEGMENT),
        segment_merchants=_codes(SEGMENT_MERCHANTS),
        big=BIG_SESSION_CENTS,
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(query).fetchall()
    con.close()
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def shopwarden(
    root: Path, campaign: tuple[date, date] = CAMPAIGN, baseline: tuple[date, date] = BASELINE
) -> dict[tuple[str, str], tuple[int, ...]]:
    from dataclasses import astuple

    from shopwarden.reports.campaign_model import Period
    from shopwarden.reports.expression import Slice
    from shopwarden.reports.service import compute_sums

    slices = [
        Slice("womens_clothing", INDUSTRY),
        Slice("特色综合商圈", SEGMENT, SEGMENT_MERCHANTS),
    ]
    sums = compute_sums(
        root,
        slices,
        campaign=Period(*campaign),
        baseline=Period(*baseline),
        big_session_cents=BIG_SESSION_CENTS,
    )
    return {(name, m): astuple(s) for name, rows in sums.items() for m, s in rows.items()}


def _prepare(name: str, root: Path) -> None:
    """Before the clock: the libraries loaded for every contender, and for ``shopwarden_warm``
    the previous edition's report worked out first, as a running service would have."""
    import importlib

    import duckdb  # noqa: F401
    import ibis

    importlib.import_module("shopwarden.reports.service")  # not a name: shopwarden() is ours
    ibis.duckdb.connect().disconnect()
    if name == "shopwarden_warm":
        shopwarden(root, BASELINE, (date(2022, 1, 5), date(2022, 1, 21)))


def _child(name: str, root: str, queue: Any) -> None:
    try:
        _prepare(name, Path(root))
        work = {"shopwarden": shopwarden, "shopwarden_warm": shopwarden, "hand_sql": hand_sql}
        started = time.perf_counter()
        answer = work[name](Path(root))
        queue.put((time.perf_counter() - started, sorted(answer.items())))
    except BaseException:  # the parent waits for an answer: give it the error
        import traceback

        queue.put((None, traceback.format_exc()))


def run(name: str, root: Path) -> tuple[float, list[Any]]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, str(root), queue))
    process.start()
    seconds, answer = queue.get()
    process.join()
    if seconds is None:
        raise SystemExit(f"{name} failed:\n{answer}")
    return seconds, answer


def generate(workdir: Path, args: argparse.Namespace) -> Path:
    """The facts, generated once per arguments (a marker file records them)."""
    from shopwarden.facts.service import BatchReport, write_generated

    root = workdir / "facts"
    wanted = {"orders": args.orders, "merchants": args.merchants, "days": args.days, "seed": 7}
    marker = workdir / "generated.json"
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return root
    started = time.perf_counter()
    for year, seed in ((2023, 7), (2024, 8)):
        report = BatchReport(batch=f"gen-bench-{year}", source="bench", file_format="generated")
        write_generated(
            root,
            report,
            merchants=args.merchants,
            orders=args.orders // 2,
            days=args.days,
            seed=seed,
            start=date(year, 1, 1),
            catalog=None,
            progress=None,
        )
    marker.write_text(json.dumps(wanted))
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--merchants", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=31, help="days generated in each year")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/shopwarden-report-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (the median)")
    args = parser.parse_args()
    root = generate(args.workdir, args)
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    answers: dict[str, list[Any]] = {}
    for _ in range(args.repeat):
        for name in CONTENDERS:
            seconds, answers[name] = run(name, root)
            times[name].append(seconds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name in CONTENDERS:
        rounded = ", ".join(f"{t:.3f}" for t in times[name])
        print(f"{name:>16}: {medians[name]:.3f} s median of {args.repeat} ({rounded})")
    same = all(answers[name] == answers["hand_sql"] for name in CONTENDERS)
    print(
        f"facts: {args.orders:,} orders, {args.merchants:,} merchants; rows: "
        f"{len(answers['hand_sql'])}; same answer: {same}"
    )
    for name, target in (("shopwarden_warm", " (target <= 1.25)"), ("shopwarden", "")):
        print(f"{name} / hand_sql: {medians[name] / medians['hand_sql']:.2f}{target}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
