"""A small fixed data set for REPORT-1 whose figures are worked out by hand (test_report.py).

Campaign 2024 (春节不打烊, 2024-01-13 .. 2024-01-29, women's clothing) and its previous edition
(2023-01-05 .. 2023-01-21). The same rows are the scenario's data files
(tests/scenarios/data/report_*.csv, written by ``python -m tests.reports.hand_facts``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

ORDER_COLUMNS = (
    "order_id",
    "merchant_id",
    "product_id",
    "amount_cents",
    "channel",
    "flash_purchase",
    "promised_shipping_hours",
    "paid_at",
    "cancelled_at",
    "buyer_id",
    "buyer_is_fan",
    "live_session_id",
    "category_code",
)

# order, merchant, cents, channel, paid (+08:00), cancelled, buyer, fan, session, category
ORDERS = [
    # m1, campaign: session s1 = 600,000.00 + 400,000.00 = 1,000,000.00 exactly (big)
    ("o1", "m1", 60_000_000, "live", "2024-01-13T20:00:00", None, "b1", True, "s1", "womens_coats"),
    ("o2", "m1", 40_000_000, "live", "2024-01-13T21:00:00", None, "b1", True, "s1", "womens_coats"),
    # session s2 = 999,999.99: one cent short of big
    (
        "o3",
        "m1",
        99_999_999,
        "live",
        "2024-01-14T20:00:00",
        None,
        "b2",
        True,
        "s2",
        "womens_dresses",
    ),
    (
        "o4",
        "m1",
        10_000,
        "short_video",
        "2024-01-15T10:00:00",
        None,
        "b3",
        True,
        None,
        "womens_tops",
    ),
    # cancelled: not GMV, and b2 stays a fan who bought once
    (
        "o5",
        "m1",
        5_000,
        "shelf",
        "2024-01-16T10:00:00",
        "2024-01-16T12:00:00",
        "b2",
        True,
        None,
        "womens_tops",
    ),
    # b4 bought twice but follows no store: not a fan
    ("o6", "m1", 20_000, "shelf", "2024-01-16T11:00:00", None, "b4", False, None, "womens_tops"),
    ("o7", "m1", 30_000, "shelf", "2024-01-17T11:00:00", None, "b4", False, None, "womens_tops"),
    # outside the campaign's days, and outside the industry
    ("o8", "m1", 500_000, "shelf", "2024-01-30T00:00:00", None, "b9", True, None, "womens_tops"),
    ("o9", "m1", 500_000, "shelf", "2024-01-12T23:59:59", None, "b9", True, None, "womens_tops"),
    (
        "o10",
        "m1",
        70_000,
        "short_video",
        "2024-01-20T10:00:00",
        None,
        "b9",
        True,
        None,
        "mens_tshirts",
    ),
    # m2, campaign: b5 a fan who bought twice; no sales in the baseline
    ("o20", "m2", 30_000, "live", "2024-01-20T20:30:00", None, "b5", True, "s3", "womens_dresses"),
    (
        "o21",
        "m2",
        20_000,
        "short_video",
        "2024-01-21T10:00:00",
        None,
        "b5",
        True,
        None,
        "womens_dresses",
    ),
    # m1, the 2023 edition (2023-01-05 .. 21)
    (
        "p1",
        "m1",
        5_000,
        "short_video",
        "2023-01-10T10:00:00",
        None,
        "b1",
        True,
        None,
        "womens_tops",
    ),
    ("p2", "m1", 95_000_000, "live", "2023-01-10T21:00:00", None, "b1", False, None, "womens_tops"),
]

SESSION_COLUMNS = ("session_id", "merchant_id", "started_at", "ended_at")
SESSIONS = [
    ("s1", "m1", "2024-01-13T19:30:00", "2024-01-13T23:30:00"),  # 4 h
    ("s2", "m1", "2024-01-14T19:00:00", "2024-01-14T22:00:00"),  # 3 h
    ("s4", "m1", "2024-01-29T23:00:00", "2024-01-30T01:00:00"),  # 2 h, started inside
    ("s5", "m1", "2024-01-30T00:00:00", "2024-01-30T05:00:00"),  # started after: not counted
    ("s3", "m2", "2024-01-20T20:00:00", "2024-01-20T21:30:00"),  # 1.5 h
    ("q1", "m1", "2023-01-10T20:00:00", "2023-01-11T02:00:00"),  # 6 h, the 2023 edition
]


def _instant(text: str | None) -> str:
    return "" if text is None else f"{text}+08:00"


def orders_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for order, merchant, cents, channel, paid, cancelled, buyer, fan, session, category in ORDERS:
        writer.writerow(
            [
                order,
                merchant,
                f"p-{merchant}",
                cents,
                channel,
                "false",
                48,
                _instant(paid),
                _instant(cancelled),
                buyer,
                str(fan).lower(),
                session or "",
                category,
            ]
        )
    return out.getvalue()


def sessions_csv(rows: list[tuple[str, str, str, str]] = SESSIONS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SESSION_COLUMNS)
    for session, merchant, started, ended in rows:
        writer.writerow([session, merchant, _instant(started), _instant(ended)])
    return out.getvalue()


def write_files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    orders, sessions = folder / "report_orders.csv", folder / "report_live_sessions.csv"
    orders.write_text(orders_csv(), encoding="utf-8")
    sessions.write_text(sessions_csv(), encoding="utf-8")
    return orders, sessions


if __name__ == "__main__":
    write_files(Path(__file__).parents[1] / "scenarios" / "data")
