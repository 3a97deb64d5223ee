"""The order facts of the shipping scenarios (tests/scenarios/shipping_*.yaml), each a week of
2024-03-04..10 (Asia/Shanghai) on both sides of one edge of SHIP-1..3.

``python3 -m tests.shipping.scenario_data`` writes them into tests/scenarios/data/; the test
below checks the files there are what this module writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests.shipping.weekly_facts import Extra, WeekSpec, write_week

DATA = Path(__file__).parents[1] / "scenarios" / "data"
WEEK = datetime.fromisoformat("2024-03-04T00:00:00+08:00").date()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _one(hours: int, flash: bool) -> tuple[Extra, ...]:
    """One more order, paid Monday 11:00, shipped an hour later."""
    paid = at("2024-03-04T11:00:00+08:00")
    return (Extra(paid, hours=hours, flash=flash, shipped=at("2024-03-04T12:00:00+08:00")),)


FILES: dict[str, Callable[[], list[WeekSpec]]] = {
    # SHIP-3: paid orders > 3000
    "shipping_paid_orders_edge": lambda: [WeekSpec("m1", 3000, 3000), WeekSpec("m2", 3001, 3001)],
    # SHIP-3: share > 70 %: 2107 of 3010 is exactly 70 %, 2108 just above
    "shipping_share_edge": lambda: [WeekSpec("m1", 3010, 2107), WeekSpec("m2", 3010, 2108)],
    # SHIP-3: on-time rate >= 97 %: 9699 of 10000 is 96.99 %, 9700 is 97.00 %
    "shipping_on_time_edge": lambda: [
        WeekSpec("m1", 10000, 10000, late=301),
        WeekSpec("m2", 10000, 10000, late=300),
    ],
    # SHIP-1: the 3010th order is a flash purchase (m1) or not (m2): the share stays at 70 %
    # for m1 and tips just above for m2
    "shipping_flash_tips_share": lambda: [
        WeekSpec("m1", 3009, 2107, extra=_one(24, True)),
        WeekSpec("m2", 3009, 2107, extra=_one(24, False)),
    ],
    # SHIP-2: the 3001st order paid Sunday 23:59:59 is the week's (m1); Monday 00:00:00 the
    # next week's (m2)
    "shipping_week_edge": lambda: [
        WeekSpec("m1", 3000, 3000, extra=(Extra(at("2024-03-10T23:59:59+08:00")),)),
        WeekSpec("m2", 3000, 3000, extra=(Extra(at("2024-03-11T00:00:00+08:00")),)),
    ],
    # SHIP-4, SHIP-5: an exempt week with two late orders in it (paid Monday 2024-03-11)
    "shipping_two_penalties": lambda: [
        WeekSpec(
            "m1",
            3001,
            3001,
            extra=tuple(
                Extra(at("2024-03-11T10:00:00+08:00"), shipped=at("2024-03-13T12:00:00+08:00"))
                for _ in range(2)
            ),
        )
    ],
    # SHIP-4: an exemption earned, not used, gone the week after
    "shipping_no_carry_over": lambda: [WeekSpec("m1", 3001, 3001)],
}


def write_all(folder: Path = DATA) -> list[Path]:
    return [write_week(folder / f"{name}.parquet", specs(), WEEK) for name, specs in FILES.items()]


if __name__ == "__main__":
    for path in write_all():
        print(path)
