"""Benchmark: the 30-day shopping experience score of every merchant, five ways.

1. shopwarden: the Ibis expression (``scoring.service.score_everyone``) on DuckDB, the first
   call in its process (``shopwarden_warm``: after scoring the day before, as a running service
   has; the policy's compiled score stage is then reused);
2. expert_sql: the fastest single DuckDB query we could write (``score_baselines.EXPERT_QUERY``);
3. hand_sql: this benchmark's older hand SQL, the shape the expression had before issue 17;
4. floor: a scan of the 20 columns the score reads, nothing computed (no answer);
5. pandas: the same files, a day partition at a time (``score_pandas.py``).

With ``--snapshots``, also what the daily snapshot step reads (``scoring.service.all_aggregates``):
the aggregates query alone, then the same with its column-wise conversion to one mapping per
merchant, and the older row-by-row conversion (``to_pylist``) beside it.

Each contender runs in its own process, ``--repeat`` times, the contenders interleaved; the
medians are compared. Prints seconds (wall and CPU), peak RSS and the ratios, and exits 1
unless every contender gives the same status, total and score for every merchant. Targets:
shopwarden <= 1.25 x the expert SQL, >= 8 x faster than pandas, <= 1.5 GB; the snapshot input
<= 1.25 x the query alone.

    python bench/score.py --orders 5000000 --merchants 100000 --workdir /tmp/score-5m
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

POLICY_VERSION = "2023-12-15"  # the hand SQL and pandas are written for this version
START = date(2024, 1, 1)
SCORES = ("shopwarden", "shopwarden_warm", "expert_sql", "hand_sql", "floor", "pandas")
SNAPSHOTS = ("aggregates", "snapshot_input", "snapshot_rowwise")
BEFORE = "SHOPWARDEN_BENCH_BEFORE"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--merchants", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the facts here")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (the median)")
    parser.add_argument("--only", default="", help="comma-separated contenders")
    parser.add_argument("--snapshots", action="store_true", help="also the snapshot input")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="an earlier shopwarden source folder (git archive REV src | tar -x): adds "
        "shopwarden_before, its score_everyone on the same facts",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="shopwarden-bench-"))
    root = workdir / "facts"
    names = [*SCORES, *(SNAPSHOTS if args.snapshots else ())]
    if args.before:
        os.environ[BEFORE] = str(args.before.resolve())  # the children inherit it
        names.insert(1, "shopwarden_before")
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    try:
        generated = generate(root, args)
        as_of = datetime.fromisoformat(f"{START + timedelta(days=args.days)}T00:00:00+08:00")
        print(
            f"facts: {args.orders:,} orders, {args.merchants:,} merchants, {args.days} days "
            f"({generated:.1f} s to generate); score as of {as_of.isoformat()}; "
            f"median of {args.repeat}"
        )
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for _ in range(args.repeat):
            for name in names:
                runs[name].append(measure(name, root, as_of, workdir, args.threads))
        return report(runs, workdir)
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
    if "error" in result:
        raise SystemExit(f"{name} failed:\n{result['error']}")
    return result


def _child(name: str, root: Path, as_of: datetime, workdir: Path, threads: int, queue: Any) -> None:
    try:
        queue.put(_run(name, root, as_of, workdir, threads))
    except BaseException:  # the parent waits for an answer: give it the error
        import traceback

        queue.put({"error": traceback.format_exc()})


def _run(name: str, root: Path, as_of: datetime, workdir: Path, threads: int) -> dict[str, Any]:
    if name == "shopwarden_before":  # the earlier source tree first on the path
        sys.path.insert(0, os.environ[BEFORE])
    import pyarrow.parquet as pq

    from score_baselines import run_expert_sql, run_floor, run_hand_sql
    from score_pandas import run_pandas
    from score_snapshots import digest, run_aggregates, run_snapshot_input, run_snapshot_rowwise

    run = {
        "shopwarden": run_shopwarden,
        "shopwarden_warm": run_shopwarden_warm,
        "shopwarden_before": run_shopwarden,
        "expert_sql": run_expert_sql,
        "hand_sql": run_hand_sql,
        "floor": run_floor,
        "pandas": run_pandas,
        "aggregates": run_aggregates,
        "snapshot_input": run_snapshot_input,
        "snapshot_rowwise": run_snapshot_rowwise,
    }[name]
    prepared = run(root, as_of, threads, prepare=True)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = run(root, as_of, threads, prepare=False, state=prepared)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    out: dict[str, Any] = {"seconds": seconds, "cpu": cpu_seconds}
    if name == "snapshot_input":  # what the snapshot step then does: each merchant read once
        started = time.perf_counter()
        for merchant in result:
            result[merchant]
        out["read_seconds"] = time.perf_counter() - started
    if name in SNAPSHOTS:
        out |= {"rows": len(result) if isinstance(result, Mapping) else result.num_rows}
        out["digest"] = digest(result)
    elif name != "floor":
        columns = ["merchant_id", "status", "total_hundredths", "score_hundredths"]
        table = result.select(columns).sort_by("merchant_id")
        pq.write_table(table, workdir / f"result-{name}.parquet")
        out["rows"] = table.num_rows
    out["peak_rss"] = after.ru_maxrss * 1024  # Linux: KiB
    return out


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
    return score_everyone(root, state, as_of, **({"threads": threads} if threads else {}))[1]


def run_shopwarden_warm(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The same in a service that has scored before: the day before is scored first, so the
    policy's score stage is compiled (once per policy and process) but this window is new."""
    from shopwarden.scoring.service import score_everyone

    if prepare:
        policy = run_shopwarden(root, as_of, threads, prepare=True)
        score_everyone(root, policy, as_of - timedelta(days=1), threads=threads or None)
        return policy
    return run_shopwarden(root, as_of, threads, prepare=False, state=state)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def report(runs: dict[str, list[dict[str, Any]]], workdir: Path) -> int:
    import pyarrow.parquet as pq

    scored = [n for n in runs if n != "floor" and n not in SNAPSHOTS]
    tables = {name: pq.read_table(workdir / f"result-{name}.parquet") for name in scored}
    base = next(iter(tables.values()), None)
    agree = {name: _same(base, table) for name, table in tables.items()}
    digests = {runs[n][-1]["digest"] for n in runs if n in SNAPSHOTS}
    agree |= {n: len(digests) == 1 for n in runs if n in SNAPSHOTS}
    seconds = {name: _median(results, "seconds") for name, results in runs.items()}
    for name, results in runs.items():
        rss = max(r["peak_rss"] for r in results) / 2**20
        rows = results[-1].get("rows", "-")
        each = " ".join(f"{r['seconds']:.2f}" for r in results)
        print(
            f"{name:>16}: {seconds[name]:8.2f} s ({each})"
            f"   CPU {_median(results, 'cpu'):7.2f} s   peak RSS {rss:6.0f} MiB"
            f"   rows {rows:>9}   agrees: {agree.get(name, '-')}"
        )
        if "read_seconds" in results[-1]:
            read = _median(results, "read_seconds")
            print(f"{'':>18}then each merchant's numbers read once: {read:.2f} s")
    if base is not None:
        count = sum(1 for s in base["status"].to_pylist() if s == "scored")
        print(f"scored merchants: {count:,} of {base.num_rows:,}")
    checks = _ratios(seconds, runs)
    for what, value in checks.items():
        print(f"  {what}: {value:.2f}")
    summary = {"agree": all(agree.values()), **{k: round(v, 3) for k, v in checks.items()}}
    print(json.dumps(summary))
    return 0 if all(agree.values()) else 1


def _ratios(seconds: dict[str, float], runs: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    pairs = {
        "shopwarden / expert SQL <= 1.25": ("shopwarden", "expert_sql"),
        "shopwarden warm / expert SQL <= 1.25": ("shopwarden_warm", "expert_sql"),
        "shopwarden / hand SQL": ("shopwarden", "hand_sql"),
        "shopwarden before / expert SQL": ("shopwarden_before", "expert_sql"),
        "shopwarden before / shopwarden": ("shopwarden_before", "shopwarden"),
        "shopwarden / column-scan floor": ("shopwarden", "floor"),
        "expert SQL / column-scan floor": ("expert_sql", "floor"),
        "pandas / shopwarden >= 8": ("pandas", "shopwarden"),
        "pandas / expert SQL": ("pandas", "expert_sql"),
        "snapshot input / query alone <= 1.25": ("snapshot_input", "aggregates"),
        "row-by-row input / query alone": ("snapshot_rowwise", "aggregates"),
    }
    checks = {
        what: seconds[a] / seconds[b] for what, (a, b) in pairs.items() if {a, b} <= set(seconds)
    }
    # CPU seconds (user + system, all threads): less swayed by other work on the machine
    cpu = {name: _median(results, "cpu") for name, results in runs.items()}
    for what in ("shopwarden / expert SQL <= 1.25", "pandas / shopwarden >= 8"):
        a, b = pairs[what]
        if {a, b} <= set(cpu):
            checks[f"{what.split(' <=')[0].split(' >=')[0]} (CPU)"] = cpu[a] / cpu[b]
    if "shopwarden" in runs:
        checks["shopwarden peak RSS <= 1.5 GB"] = (
            max(r["peak_rss"] for r in runs["shopwarden"]) / 1e9
        )
    return checks


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
