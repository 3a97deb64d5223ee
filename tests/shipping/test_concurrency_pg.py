"""Overdue reports racing on PostgreSQL (SHIP-3, SHIP-4): one exemption waives one penalty
however many reports arrive at once, and a report deciding a merchant's week while the Monday
cycle decides everyone's leaves one answer per merchant and no error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.clock import SimulatedClock
from shopwarden.decisions.tables import DecisionRow
from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.storage import facts_dir
from shopwarden.ledger.model import transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money
from shopwarden.shipping import overdue
from shopwarden.shipping.tables import ExemptionRow, OverdueRow, WeekMeasureRow
from tests.api.conftest import make_container
from tests.shipping.conftest import MEASURED
from tests.shipping.weekly_facts import WeekSpec, write_week

pytestmark = [pytest.mark.postgres]
T = TypeVar("T")


def race(calls: list[Callable[[], T]]) -> list[T]:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def workspace(postgres_url: str, tmp_path: Path, merchants: list[str]) -> Container:
    clock = SimulatedClock(datetime.fromisoformat("2024-03-01T09:00:00+08:00"))
    container = make_container(postgres_url, tmp_path, clock)
    with container.unit_of_work() as ctx:
        for m in merchants:
            if m not in ("m1", "m2"):
                catalog.create_merchant(ctx, data=MerchantCreate(id=m, name=m))
    path = write_week(
        tmp_path / "week.parquet", [WeekSpec(m, 3001, 3001) for m in merchants], MEASURED
    )
    done = ingest_file(container.unit_of_work, root=facts_dir(tmp_path), path=path)
    assert done.quarantined == 0
    with container.unit_of_work() as ctx:
        for m in merchants:
            ctx.ledger.post(
                transfer("platform:bank", f"merchant:{m}:wallet", Money.parse("1000.00"), "paid in")
            )
    return container


def report(container: Container, order_id: str, merchant_id: str = "m1") -> Callable[[], Any]:
    def call() -> str:
        with container.unit_of_work() as ctx:
            row = overdue.record_overdue(
                ctx,
                order_id=order_id,
                merchant_id=merchant_id,
                paid_at=datetime.fromisoformat("2024-03-11T10:00:00+08:00"),
                promised_shipping_hours=24,
                flash_purchase=False,
                shipped_at=None,
                key=f"race:{order_id}",
            )
            return row.outcome

    return call


def test_eight_reports_at_once_waive_one_penalty(postgres_url: str, tmp_path: Path) -> None:
    container = workspace(postgres_url, tmp_path, ["m1"])
    try:
        clock = container.clock
        assert isinstance(clock, SimulatedClock)
        clock.advance_to(datetime.fromisoformat("2024-03-11T00:00:00+08:00"))
        container.run_cycle(clock.now())
        clock.advance_to(datetime.fromisoformat("2024-03-12T12:00:00+08:00"))
        outcomes = sorted(race([report(container, f"o{n}") for n in range(8)]))
        assert outcomes == ["charged"] * 7 + ["waived"]
        with container.db.transaction() as session:
            [exemption] = session.scalars(select(ExemptionRow)).all()
            assert exemption.used == 1
            wallet = Ledger(session, clock).balance("merchant:m1:wallet").posted
            assert wallet == 100_000 - 7 * 1500 - 500
            assert verify_ledger(session) == []
    finally:
        container.close()


# The reports open DuckDB engines in several threads at once, and ``metrics.quiet`` silences
# the libraries' warnings with ``warnings.catch_warnings``, which Python does not make thread
# safe: a warning can slip out while another thread restores the filters.
@pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
def test_reports_deciding_weeks_while_the_cycle_does(postgres_url: str, tmp_path: Path) -> None:
    merchants = [f"s{n}" for n in range(6)]
    container = workspace(postgres_url, tmp_path, merchants)
    try:
        clock = container.clock
        assert isinstance(clock, SimulatedClock)
        clock.advance_to(datetime.fromisoformat("2024-03-12T12:00:00+08:00"))
        calls: list[Callable[[], Any]] = [report(container, f"o-{m}", m) for m in merchants]
        calls.append(lambda: container.run_cycle(clock.now()))
        results = race(calls)
        assert sorted(results[:-1]) == ["waived"] * len(merchants)
        with container.db.transaction() as session:
            rows = session.scalars(select(WeekMeasureRow)).all()
            assert sorted(r.merchant_id for r in rows) == sorted(["m1", "m2", *merchants])
            ship3 = select(func.count()).where(DecisionRow.rule_id == "SHIP-3")
            assert session.scalar(ship3) == len(merchants) + 2
            assert session.scalar(select(func.count()).select_from(OverdueRow)) == len(merchants)
            assert verify_ledger(session) == []
    finally:
        container.close()
