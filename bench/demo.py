"""How long ``shopwarden demo`` takes, and whether it grows linearly with merchants (issue 17).

    python bench/demo.py [--merchants 300] [--days 30] [--seed 7] [--factor 2] [--json FILE]

Runs ``shopwarden --home <tmp> demo`` twice in subprocesses, at ``--merchants`` and at
``--factor`` times as many, each in a fresh temporary workspace, and prints each run's wall
seconds, CPU seconds (user + system of the child) and peak resident memory, then the ratio of
the bigger run's wall (and CPU) time to the smaller's: about ``--factor`` when the demo grows
linearly, less when fixed costs (the cycles' per-day work) still dominate; on a shared machine
the CPU ratio is the steadier of the two. The load average is printed
before and after, since a shared machine's figures depend on it. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Run:
    merchants: int
    days: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int


def run_demo(merchants: int, days: int, seed: int) -> Run:
    """One ``shopwarden demo`` in a child process of its own, in a fresh workspace."""
    home = Path(tempfile.mkdtemp(prefix="shopwarden-bench-demo-"))
    command = [sys.executable, "-c", "from shopwarden.cli import main; main()"]
    command += ["--home", str(home), "demo"]
    command += ["--merchants", str(merchants), "--days", str(days), "--seed", str(seed)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is the largest so far: run the smaller size first
    return Run(
        merchants, days, round(wall, 2), round(cpu, 2), after.ru_maxrss / 1024, done.returncode
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--factor", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs = []
    for merchants in (args.merchants, args.merchants * args.factor):
        run = run_demo(merchants, args.days, args.seed)
        runs.append(run)
        print(
            f"demo --merchants {run.merchants} --days {run.days}: {run.wall_seconds:.1f} s wall, "
            f"{run.cpu_seconds:.1f} s CPU, peak RSS {run.peak_rss_mb:.0f} MB, exit {run.exit_code}"
        )
    ratio = runs[1].wall_seconds / runs[0].wall_seconds
    cpu_ratio = runs[1].cpu_seconds / runs[0].cpu_seconds
    print(f"ratio at {args.factor}x merchants: wall {ratio:.2f}, CPU {cpu_ratio:.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        runs_out = [asdict(r) for r in runs]
        report = {"runs": runs_out, "ratio": ratio, "cpu_ratio": cpu_ratio, "load": os.getloadavg()}
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
