"""How fast "may merchant M do action A now?" answers, beside a bare primary-key read.

    python bench/enforcement.py [--merchants 2000] [--checks 5000]
                                [--backend sqlite|postgresql|both] [--pg-url URL]

For each backend, on a fresh database: ``--merchants`` merchants, every tenth one with a case
of two measures, and the merchant under test with four cases of several measures each (delist
and ban, a suspended cart, mute, reduced recommendation; some ended, some lifted, one until
lifted), opened through the use case. Then, in one open unit of work, as an order path
would hold one, the check (``enforcement.answer``: the indexed read of the merchant's measures
in force and the pure rule, VIO-1..5) and the baseline (a bare primary-key read of the
merchant's row, a SELECT of two columns on the same connection) run alternately ``--checks``
times each, cycling over the actions. p50 and p99 of each are printed in milliseconds.
Target (issue 12): the check's p99 under 5 ms in-process. No test asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.engine import make_url

from shopwarden.bootstrap import Container, bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.catalog.tables import MerchantRow
from shopwarden.clock import SimulatedClock
from shopwarden.settings import Settings
from shopwarden.violations import cases, enforcement
from shopwarden.violations.policy import ACTIONS
from shopwarden.violations.schemas import CaseIn

DEFAULT_PG = os.environ.get(
    "SHOPWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START = datetime.fromisoformat("2024-03-01T09:00:00+08:00")
TARGET = "m_target"


def _case(merchant_id: str, measures: list[dict[str, str]]) -> CaseIn:
    return CaseIn.model_validate(
        {
            "merchant_id": merchant_id,
            "broken_rule": "bench",
            "evidence": "bench",
            "measures": measures,
        }
    )


def seed(container: Container, clock: SimulatedClock, merchants: int) -> None:
    """The merchants, their cases, and the merchant under test with several measures."""
    later = (START + timedelta(days=30)).isoformat()
    soon = (START + timedelta(hours=1)).isoformat()
    with container.unit_of_work() as ctx:
        for n in range(merchants):
            catalog.create_merchant(ctx, data=MerchantCreate(id=f"m{n:06d}", name=f"M{n}"))
        catalog.create_merchant(ctx, data=MerchantCreate(id=TARGET, name="Under test"))
        for n in range(0, merchants, 10):
            data = _case(f"m{n:06d}", [{"measure": "mute"}, {"measure": "suspend_cart"}])
            cases.open_case(ctx, data=data, opened_by="bench", key=f"bench:{n}")
        target = [
            [{"measure": "delist_and_ban", "ends_at": later}, {"measure": "mute", "ends_at": soon}],
            [{"measure": "suspend_cart", "ends_at": later}, {"measure": "reduced_recommendation"}],
            [{"measure": "mute"}, {"measure": "suspend_cart", "ends_at": soon}],
            [{"measure": "delist_and_ban"}, {"measure": "reduced_recommendation", "ends_at": soon}],
        ]
        for i, measures in enumerate(target):
            cases.open_case(ctx, data=_case(TARGET, measures), opened_by="bench", key=f"t:{i}")
    clock.advance_to(START + timedelta(hours=2))  # the "soon" ones have ended
    with container.unit_of_work() as ctx:
        last = cases.measure(
            ctx,
            measure_id=enforcement.in_force(ctx, merchant_id=TARGET, at=clock.now())[-1].measure_id,
        )
        cases.lift(ctx, measure_id=last.id, by="bench", reason="one lifted")


def measure(container: Container, checks: int) -> tuple[list[float], list[float], int]:
    """Alternate the check and the baseline in one unit of work; times in milliseconds."""
    ours: list[float] = []
    base: list[float] = []
    refused = 0
    with container.unit_of_work() as ctx:
        merchants = MerchantRow.__table__.c
        pk = select(merchants.id, merchants.status).where(merchants.id == bindparam("id"))
        connection = ctx.session.connection()
        for i in range(checks + 200):  # the first 200 of each warm up, untimed
            action = ACTIONS[i % len(ACTIONS)]
            t0 = time.perf_counter()
            decision, _ = enforcement.answer(ctx, merchant_id=TARGET, action=action)
            t1 = time.perf_counter()
            connection.execute(pk, {"id": TARGET}).one()
            t2 = time.perf_counter()
            if i >= 200:
                ours.append((t1 - t0) * 1000)
                base.append((t2 - t1) * 1000)
                refused += decision.outcome == "refused"
    return ours, base, refused


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(backend: str, merchants: int, checks: int, pg_url: str) -> list[str]:
    home = Path(tempfile.mkdtemp(prefix="bench-enforcement-"))
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{home / 'bench.db'}"
    else:
        name = f"bench_enforcement_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    clock = SimulatedClock(START)
    container = bootstrap(Settings(home=home, database_url=url), clock=clock)
    try:
        seed(container, clock, merchants)
        with container.unit_of_work() as ctx:
            in_force = len(enforcement.in_force(ctx, merchant_id=TARGET, at=clock.now()))
        ours, base, refused = measure(container, checks)
    finally:
        container.close()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    p99 = p(ours, 99)
    return [
        backend,
        str(in_force),
        f"{p(ours, 50):.3f}",
        f"{p99:.3f}",
        f"{p(base, 50):.3f}",
        f"{p(base, 99):.3f}",
        f"{refused}/{len(ours)}",
        "met" if p99 < 5 else "NOT met",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--merchants", type=int, default=2000)
    parser.add_argument("--checks", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL server to create in")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    header = ["backend", "measures in force", "check p50 ms", "check p99 ms",
              "pk read p50 ms", "pk read p99 ms", "refused", "p99 < 5 ms"]  # fmt: skip
    rows = [header, *(run(b, args.merchants, args.checks, args.pg_url) for b in backends)]
    print(
        f"'may merchant M do action A now?' for a merchant with several measures, "
        f"{args.checks:,} checks over {len(ACTIONS)} actions, beside a bare primary-key read"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
