"""Benchmark: the 30-day shopping experience score of every merchant, three ways.

1. shopwarden: the Ibis expression (``scoring.service.score_everyone``) on DuckDB;
2. hand-written DuckDB SQL over the same Parquet files;
3. pandas over the same files (one day partition at a time, then summed).

Each runs in its own process, so each one's peak RSS is its own. Prints seconds, peak RSS and
the ratios, and exits 1 unless all three give the same status, total and score for every
merchant. Targets: shopwarden <= 1.25 x the hand SQL, >= 8 x faster than pandas, <= 1.5 GB.

    python bench/score.py --orders 5000000 --merchants 100000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

POLICY_VERSION = "2023-12-15"  # the hand SQL and pandas below are written for this version
START = date(2024, 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--merchants", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the facts here")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: all)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="shopwarden-bench-"))
    root = workdir / "facts"
    try:
        generated = generate(root, args)
        as_of = datetime.fromisoformat(f"{START + timedelta(days=args.days)}T00:00:00+08:00")
        print(
            f"facts: {args.orders:,} orders, {args.merchants:,} merchants, {args.days} days "
            f"({generated:.1f} s to generate); score as of {as_of.isoformat()}"
        )
        results = {
            name: measure(name, root, as_of, workdir, args.threads)
            for name in ("shopwarden", "hand_sql", "pandas")
        }
        return report(results, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def generate(root: Path, args: argparse.Namespace) -> float:
    from shopwarden.facts.service import BatchReport, write_generated

    if any(root.glob("orders/day=*/*.parquet")):
        return 0.0
    started = time.perf_counter()
    report = BatchReport(batch="bench", source="bench", file_format="generated")
    write_generated(
        root,
        report,
        merchants=args.merchants,
        orders=args.orders,
        days=args.days,
        seed=args.seed,
        start=START,
        catalog=None,
        progress=None,
    )
    return time.perf_counter() - started


def measure(name: str, root: Path, as_of: datetime, workdir: Path, threads: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, root, as_of, workdir, threads, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def _child(name: str, root: Path, as_of: datetime, workdir: Path, threads: int, queue: Any) -> None:
    import pyarrow.parquet as pq

    from score_baselines import run_hand_sql, run_pandas

    run = {"shopwarden": run_shopwarden, "hand_sql": run_hand_sql, "pandas": run_pandas}[name]
    prepared = run(root, as_of, threads, prepare=True)
    started = time.perf_counter()
    table = run(root, as_of, threads, prepare=False, state=prepared)
    seconds = time.perf_counter() - started
    columns = ["merchant_id", "status", "total_hundredths", "score_hundredths"]
    table = table.select(columns).sort_by("merchant_id")
    pq.write_table(table, workdir / f"result-{name}.parquet")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    queue.put({"seconds": seconds, "peak_rss": peak, "merchants": table.num_rows})


def run_shopwarden(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """Through shopwarden's own path: the policy in force and the Ibis expression."""
    from shopwarden.families import POLICY_SCHEMAS
    from shopwarden.policy.store import PolicyStore
    from shopwarden.scoring.service import parameters, policy_in_force, score_everyone

    if prepare:  # libraries loaded and the policy book read, as in a running service
        from shopwarden.metrics.engines import open_engine

        open_engine(root).close()
        version = policy_in_force(PolicyStore.load(schemas=POLICY_SCHEMAS), as_of)
        assert version.version == POLICY_VERSION, version.version
        return parameters(version)
    return score_everyone(root, state, as_of)[1]


def report(results: dict[str, dict[str, Any]], workdir: Path) -> int:
    import pyarrow.parquet as pq

    tables = {name: pq.read_table(workdir / f"result-{name}.parquet") for name in results}
    base = tables["shopwarden"]
    agree = {name: _same(base, table) for name, table in tables.items()}
    ours, sql, pandas = (results[n]["seconds"] for n in ("shopwarden", "hand_sql", "pandas"))
    for name, result in results.items():
        rss = result["peak_rss"] / 2**20
        print(
            f"{name:>10}: {result['seconds']:8.2f} s   peak RSS {rss:8.0f} MiB"
            f"   {result['merchants']:,} merchants   agrees: {agree[name]}"
        )
    scored = sum(1 for s in base["status"].to_pylist() if s == "scored")
    checks = {
        "shopwarden / hand SQL <= 1.25": ours / sql,
        "pandas / shopwarden >= 8": pandas / ours,
        "shopwarden peak RSS <= 1.5 GB": results["shopwarden"]["peak_rss"] / 1e9,
    }
    print(f"scored merchants: {scored:,} of {base.num_rows:,}")
    for what, value in checks.items():
        print(f"  {what}: {value:.2f}")
    summary = {"agree": all(agree.values()), **{k: round(v, 3) for k, v in checks.items()}}
    print(json.dumps(summary))
    return 0 if all(agree.values()) else 1


def _same(a: Any, b: Any) -> bool:
    import pyarrow as pa

    def normal(table: Any) -> Any:
        table = table.cast(
            pa.schema(
                [
                    ("merchant_id", pa.string()),
                    ("status", pa.string()),
                    ("total_hundredths", pa.int64()),
                    ("score_hundredths", pa.int64()),
                ]
            )
        )
        return table.sort_by("merchant_id")

    return bool(normal(a).equals(normal(b)))


if __name__ == "__main__":
    sys.exit(main())
