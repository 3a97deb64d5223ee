"""Order facts for a merchant's week with exact counts, for the shipping tests and scenarios.

Orders are paid Monday to Thursday, so every promise (48 h committed, 24 h flash, 72 h other)
has passed by Sunday 24:00 and every order is due (SHIP-2); ``late`` of them ship two hours
after their promised time, the rest two hours after payment. ``extra`` adds single orders at
chosen instants (the week's edges). Written as Parquet with native types, as a feed would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shopwarden.clock import SHANGHAI

COLUMNS = {
    "order_id": pa.string(),
    "merchant_id": pa.string(),
    "product_id": pa.string(),
    "amount_cents": pa.int64(),
    "channel": pa.string(),
    "flash_purchase": pa.bool_(),
    "promised_shipping_hours": pa.int32(),
    "paid_at": pa.timestamp("s", tz="UTC"),
    "shipped_at": pa.timestamp("s", tz="UTC"),
}


@dataclass(frozen=True)
class Extra:
    """One more order: paid at ``paid``, promised ``hours``, shipped on time unless ``late``."""

    paid: datetime
    hours: int = 48
    flash: bool = False
    shipped: datetime | None = None


@dataclass(frozen=True)
class WeekSpec:
    merchant_id: str
    paid: int  # orders paid Monday to Thursday
    committed: int  # of them promised 48 h, not flash (SHIP-1)
    flash: int = 0  # of them flash purchases promised 24 h (never committed)
    late: int = 0  # of them shipped two hours after their promised time
    extra: tuple[Extra, ...] = field(default_factory=tuple)


def monday(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def week_rows(spec: WeekSpec, week_start: date, prefix: str = "o") -> list[dict[str, Any]]:
    assert spec.committed + spec.flash <= spec.paid and spec.late <= spec.paid
    start = monday(week_start)
    rows = []
    for i in range(spec.paid):
        if i < spec.committed:
            hours, flash = 48, False
        elif i < spec.committed + spec.flash:
            hours, flash = 24, True
        else:
            hours, flash = 72, False
        paid = start + timedelta(days=i % 4, hours=10, seconds=i // 4)
        late = i >= spec.paid - spec.late
        shipped = paid + timedelta(hours=hours + 2 if late else 2)
        rows.append(
            _row(
                f"{prefix}-{spec.merchant_id}-{i:05d}",
                spec.merchant_id,
                hours,
                flash,
                paid,
                shipped,
            )
        )
    for n, extra in enumerate(spec.extra):
        rows.append(
            _row(
                f"{prefix}-{spec.merchant_id}-x{n}",
                spec.merchant_id,
                extra.hours,
                extra.flash,
                extra.paid,
                extra.shipped,
            )
        )
    return rows


def _row(
    order_id: str,
    merchant_id: str,
    hours: int,
    flash: bool,
    paid: datetime,
    shipped: datetime | None,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "merchant_id": merchant_id,
        "product_id": f"{merchant_id}-p1",
        "amount_cents": 9900,
        "channel": "live",
        "flash_purchase": flash,
        "promised_shipping_hours": hours,
        "paid_at": paid,
        "shipped_at": shipped,
    }


def write_week(path: Path, specs: list[WeekSpec], week_start: date, prefix: str = "o") -> Path:
    rows = [row for spec in specs for row in week_rows(spec, week_start, prefix)]
    table = pa.table(
        {name: pa.array([r[name] for r in rows], kind) for name, kind in COLUMNS.items()}
    )
    pq.write_table(table, path, compression="zstd")
    return path
