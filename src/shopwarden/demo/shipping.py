"""The shipping part of ``shopwarden demo``: high-volume stores earning and using the exemption.

Five stores that sell far more than the demo's other merchants trade from Monday 2024-02-26
for five weeks, each with its own promises and punctuality (a generator run over a
marketplace of just them, so their weeks are what they are meant to be): two earn the weekly
exemption (more than 3000 paid orders, above 70 % committed in-stock, at least 97 % on time),
one sells too few orders, one promises 72 h too often, one ships late too often. Every evening
the order system reports their overdue shipments (at most three a store a day, the rest left
to the stores' own after-sales in this demo): the first of an exempt week is waived, the others
are charged, and the consumer is compensated each time (SHIP-4, SHIP-5). The daily cycles grant
the exemptions on Mondays and record the unused ones as lapsed (SHIP-3, SHIP-4).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from sqlalchemy import func, select

from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
from shopwarden.errors import ShopwardenError
from shopwarden.facts.generator import Marketplace, generate_day, plan_days, run_id
from shopwarden.facts.service import BatchReport, find_batch, record_batch
from shopwarden.facts.storage import DayWriter, facts_dir, writer_lock
from shopwarden.ledger.model import merchant_account_code, platform_account_code, transfer
from shopwarden.money import Money
from shopwarden.shipping import overdue
from shopwarden.shipping.tables import ExemptionRow, OverdueRow

FIRST_DAY = date(2024, 2, 26)  # a Monday: the week before the demo's first Monday is measured
DAYS = 35
REPORTS_PER_DAY = 3


@dataclass(frozen=True)
class Store:
    merchant_id: str
    name: str
    orders_per_day: int
    promises: tuple[tuple[int, bool], ...]  # (promised hours, flash purchase) per product
    quality: float  # 0..1: drives late shipments (facts/generator.py)


STORES = (
    Store("ship01", "Panda Express Goods", 520, ((24, False), (48, False), (48, False)), 0.99),
    Store("ship02", "Jade Fast Market", 500, ((48, False),) * 3 + ((24, True),), 0.97),
    Store("ship03", "Cloud Small Studio", 380, ((24, False), (48, False)), 0.99),
    Store("ship04", "Lotus Slow House", 520, ((48, False), (72, False), (72, False)), 0.99),
    Store("ship05", "Maple Late Shop", 520, ((24, False), (48, False)), 0.72),
)


@dataclass
class ShippingDemo:
    container: Container
    seed: int
    pending: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def setup(self) -> None:
        """The stores, their wallets, and five weeks of their orders in the facts."""
        with self.container.unit_of_work() as ctx:
            for store in STORES:
                catalog.create_merchant(
                    ctx, data=MerchantCreate(id=store.merchant_id, name=store.name)
                )
                for n, (hours, flash) in enumerate(store.promises):
                    catalog.create_product(ctx, data=_product(store, n, hours, flash))
                ctx.ledger.post(
                    transfer(
                        platform_account_code("bank"),
                        merchant_account_code(store.merchant_id, "wallet"),
                        Money(500_000),
                        "opening balance paid in",
                        idempotency_key=f"demo:shipping:opening:{store.merchant_id}",
                    )
                )
        self.pending = _write_facts(self.container, self.seed)

    def trade_one_day(self) -> None:
        """The order system reports what fell overdue since the last evening."""
        now = self.container.clock.now()
        due = [e for e in self.pending if e["overdue_at"] <= now]
        self.pending = [e for e in self.pending if e["overdue_at"] > now]
        per_store: Counter[str] = Counter()
        for event in due:
            if per_store[event["merchant_id"]] >= REPORTS_PER_DAY:
                continue
            per_store[event["merchant_id"]] += 1
            self._report(event, now)

    def _report(self, event: dict[str, Any], now: datetime) -> None:
        shipped = event["shipped_at"] if event["shipped_at"] <= now else None
        try:
            with self.container.unit_of_work() as ctx:
                row = overdue.record_overdue(
                    ctx,
                    order_id=event["order_id"],
                    merchant_id=event["merchant_id"],
                    paid_at=event["paid_at"],
                    promised_shipping_hours=event["promised_shipping_hours"],
                    flash_purchase=event["flash_purchase"],
                    shipped_at=shipped,
                    key=f"demo:overdue:{event['order_id']}",
                )
                self.counts[row.outcome] += 1
        except ShopwardenError:
            self.counts["refused"] += 1

    def finish(self) -> dict[str, str]:
        """Rows for the demo's summary."""
        with self.container.unit_of_work() as ctx:
            s = ctx.session
            granted = s.scalar(select(func.count()).where(ExemptionRow.granted > 0)) or 0
            lapsed = s.scalar(select(func.coalesce(func.sum(ExemptionRow.lapsed), 0))) or 0
            compensation = s.scalar(select(func.coalesce(func.sum(OverdueRow.compensation), 0)))
            owed = s.scalar(
                select(func.coalesce(func.sum(OverdueRow.owed - OverdueRow.collected), 0))
            )
        return {
            "shipping: exemptions granted (store-weeks)": str(granted),
            "shipping: overdue penalties waived / charged": (
                f"{self.counts['waived']} / {self.counts['charged']}"
            ),
            "shipping: delay compensation paid": Money(int(compensation or 0)).to_text(),
            "shipping: exemptions lapsed unused": str(lapsed),
            "shipping: still owed (advanced)": Money(int(owed or 0)).to_text(),
        }


def _product(store: Store, n: int, hours: int, flash: bool) -> ProductCreate:
    return ProductCreate(
        id=f"{store.merchant_id}-p{n:03d}",
        merchant_id=store.merchant_id,
        title=f"{store.name} item {n}",
        category="womens_tops",
        listed=True,
        promised_shipping_hours=hours,
        flash_purchase=flash,
        skus=[SkuIn(sku_id="default", price=Money(4990))],
    )


def _market() -> Marketplace:
    """The five stores alone, with the volumes, promises and quality given above."""
    counts = np.array([len(s.promises) for s in STORES])
    volumes = np.array([s.orders_per_day for s in STORES], float)
    return Marketplace(
        merchant_ids=pa.array([s.merchant_id for s in STORES], pa.string()),
        product_ids=pa.array(
            [f"{s.merchant_id}-p{n:03d}" for s in STORES for n in range(len(s.promises))],
            pa.string(),
        ),
        first_product=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64),
        product_count=counts,
        promised_hours=np.array([h for s in STORES for h, _ in s.promises], np.int32),
        flash=np.array([f for s in STORES for _, f in s.promises], bool),
        cdf=np.cumsum(volumes / volumes.sum()),
        quality=np.array([s.quality for s in STORES]),
    )


def _write_facts(container: Container, seed: int) -> list[dict[str, Any]]:
    """Write the stores' orders as one recorded batch; their overdue shipments, to report."""
    root = facts_dir(container.settings.home)
    batch = "ship-" + run_id(demo="shipping", seed=seed, first=FIRST_DAY.isoformat(), days=DAYS)
    report = BatchReport(batch=batch, source="demo: shipping stores", file_format="generated")
    market, per_day = _market(), sum(s.orders_per_day for s in STORES)
    events: list[dict[str, Any]] = []
    with writer_lock(root):
        for index, day in enumerate(plan_days(FIRST_DAY, DAYS)):
            writer = DayWriter(root, day, batch)
            for table in generate_day(
                market,
                seed=seed,
                day_index=index,
                day=day,
                count=per_day,
                first_order=index * per_day,
                id_prefix="s",
            ):
                writer.write(table)
                events += _overdue_events(table)
            writer.close()
            report.days.append(day.isoformat())
    report.rows = report.accepted = per_day * DAYS
    with container.unit_of_work() as ctx:
        if find_batch(ctx, sha256=f"demo:{batch}") is None:
            record_batch(ctx, report=report, sha256=f"demo:{batch}", root=root)
    return sorted(events, key=lambda e: (e["overdue_at"], e["order_id"]))


def _overdue_events(table: pa.Table) -> list[dict[str, Any]]:
    late = table.filter(pc.is_valid(table["overdue_at"]))
    columns = [
        "order_id",
        "merchant_id",
        "paid_at",
        "promised_shipping_hours",
        "flash_purchase",
        "shipped_at",
        "overdue_at",
    ]
    return list(late.select(columns).to_pylist())
