"""The pandas baseline of ``bench/score.py``, written by hand for score policy 2023-12-15.

The same fixed-point arithmetic as the pure rules (``docs/score.md``), one day partition at a
time, then summed per merchant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from score_baselines import window_state

PANDAS_COLUMNS = [
    "merchant_id",
    "channel",
    "promised_shipping_hours",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
    "rated_at",
    "product_rating",
    "logistics_rating",
    "service_rating",
    "content_rating",
    "cs_first_message_at",
    "cs_first_response_seconds",
    "refund_requested_at",
    "refund_reason",
    "refund_handled_at",
    "refund_approved",
    "dispute_at",
    "complaint_at",
]


def run_pandas(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    import pandas as pd
    import pyarrow as pa

    if prepare:  # the library loaded, as shopwarden's contender has its libraries loaded
        return window_state(as_of)
    parts = []
    day = state["first"]
    while day <= state["last"]:
        for path in sorted((root / "orders" / f"day={day.isoformat()}").glob("*.parquet")):
            frame = pd.read_parquet(path, columns=PANDAS_COLUMNS)
            parts.append(_pandas_sums(frame, state["end"]))
        day += timedelta(days=1)
    sums = pd.concat(parts).groupby(level=0).sum()
    scored = _pandas_score(sums)
    return pa.Table.from_pandas(scored.reset_index(), preserve_index=False)


def _pandas_sums(frame: Any, end: int) -> Any:
    import numpy as np
    import pandas as pd

    never = np.iinfo(np.int64).max // 2

    def epoch(column: str) -> Any:
        values = frame[column]
        utc = values.dt.tz_convert("UTC").dt.tz_localize(None)
        raw = utc.to_numpy(dtype="datetime64[us]").astype("int64") // 10**6
        return np.where(values.isna().to_numpy(), never, raw)

    def present(column: str) -> Any:
        return frame[column].notna().to_numpy()

    frame = frame[(epoch("cancelled_at") >= end) | ~present("cancelled_at")]
    paid, shipped, delivered = epoch("paid_at"), epoch("shipped_at"), epoch("delivered_at")
    rated, messaged = epoch("rated_at") < end, epoch("cs_first_message_at") < end
    handled_at, requested_at = epoch("refund_handled_at"), epoch("refund_requested_at")
    promised = frame["promised_shipping_hours"].to_numpy().astype(np.int64) * 3600
    shipped_by_end = shipped < end
    delivered_ok = (delivered < end) & present("shipped_at")
    handled = (handled_at < end) & present("refund_requested_at")
    stars = {
        c: frame[c].fillna(0).to_numpy().astype(np.int64)
        for c in ("product_rating", "logistics_rating", "service_rating", "content_rating")
    }
    channel = frame["channel"].to_numpy()
    live = rated & (channel == "live") & present("content_rating")
    short = rated & (channel == "short_video") & present("content_rating")
    approved = frame["refund_approved"].astype("boolean").fillna(False).to_numpy(bool)
    response = frame["cs_first_response_seconds"].fillna(10**9).to_numpy()
    columns = {
        "orders": np.ones(len(frame), np.int64),
        "pr_sum": stars["product_rating"] * rated,
        "pr_n": rated & present("product_rating"),
        "quality_refunds": handled & approved & (frame["refund_reason"] == "quality").to_numpy(),
        "on_time": shipped_by_end & (shipped - paid <= promised),
        "due": (paid + promised < end) | shipped_by_end,
        "transit_s": np.where(delivered_ok, delivered - shipped, 0),
        "delivered_n": delivered_ok,
        "lr_sum": stars["logistics_rating"] * rated,
        "lr_n": rated & present("logistics_rating"),
        "replied": messaged & (response <= 180),
        "messages": messaged,
        "sr_sum": stars["service_rating"] * rated,
        "sr_n": rated & present("service_rating"),
        "handling_s": np.where(handled, handled_at - requested_at, 0),
        "handled_n": handled,
        "disputes": epoch("dispute_at") < end,
        "complaints": epoch("complaint_at") < end,
        "live_sum": stars["content_rating"] * live,
        "live_n": live,
        "sv_sum": stars["content_rating"] * short,
        "sv_n": short,
    }
    sums = pd.DataFrame({k: np.asarray(v, dtype=np.int64) for k, v in columns.items()})
    return sums.groupby(frame["merchant_id"].to_numpy()).sum()


def _pandas_score(s: Any) -> Any:
    import numpy as np
    import pandas as pd

    def rhu(a: Any, b: Any) -> Any:
        return (2 * a + b) // (2 * b)

    def ratio(n: str, d: str, scale: int, divisor: int = 1) -> tuple[Any, Any]:
        den = s[d].to_numpy()
        ok = den > 0
        return np.where(ok, rhu(s[n].to_numpy() * scale, np.maximum(den, 1) * divisor), 0), ok

    def mapped(value: tuple[Any, Any], points: list[tuple[int, int]]) -> tuple[Any, Any]:
        x, ok = value
        y = np.full(len(x), points[-1][1], np.int64)
        done = np.zeros(len(x), bool)
        first = x <= points[0][0]
        y[first], done = points[0][1], first
        for (x0, y0), (x1, y1) in pairwise(points):
            here = ~done & (x <= x1)
            y[here] = rhu(y0 * (x1 - x[here]) + y1 * (x[here] - x0), x1 - x0)
            done = done | here
        return y, ok

    def mean(parts: list[tuple[tuple[Any, Any], int]], scale: int = 1) -> tuple[Any, Any]:
        num = sum(np.where(ok, y * w, 0) for (y, ok), w in parts)
        den = sum(np.where(ok, w, 0) for (_, ok), w in parts)
        ok = den > 0
        return np.where(ok, rhu(num, np.maximum(den, 1) * scale), 0), ok

    stars = [(10000, 0), (45000, 45000), (49000, 50000)]
    product = mean(
        [
            (mapped(ratio("pr_sum", "pr_n", 10000), [(10000, 0), (30000, 20000), *stars[1:]]), 6),
            (
                mapped(
                    ratio("quality_refunds", "orders", 10**6),
                    [(0, 50000), (5000, 48000), (20000, 40000), (100000, 0)],
                ),
                4,
            ),
        ]
    )
    logistics = mean(
        [
            (
                mapped(
                    ratio("on_time", "due", 10**6), [(800000, 0), (950000, 40000), (990000, 50000)]
                ),
                4,
            ),
            (
                mapped(
                    ratio("transit_s", "delivered_n", 100, 3600),
                    [(2400, 50000), (7200, 40000), (16800, 0)],
                ),
                3,
            ),
            (mapped(ratio("lr_sum", "lr_n", 10000), stars), 3),
        ]
    )
    service = mean(
        [
            (
                mapped(
                    ratio("replied", "messages", 10**6),
                    [(500000, 0), (800000, 40000), (950000, 50000)],
                ),
                1,
            ),
            (mapped(ratio("sr_sum", "sr_n", 10000), stars), 1),
        ]
    )
    after_sales = mean(
        [
            (
                mapped(
                    ratio("handling_s", "handled_n", 100, 3600),
                    [(400, 50000), (2400, 45000), (7200, 0)],
                ),
                4,
            ),
            (
                mapped(ratio("disputes", "orders", 10**6), [(0, 50000), (1000, 48000), (10000, 0)]),
                3,
            ),
            (
                mapped(
                    ratio("complaints", "orders", 10**6), [(0, 50000), (2000, 48000), (20000, 0)]
                ),
                3,
            ),
        ]
    )
    content = mean(
        [
            (mapped(ratio("live_sum", "live_n", 10000), stars), 1),
            (mapped(ratio("sv_sum", "sv_n", 10000), stars), 1),
        ]
    )
    total, has_total = mean(
        [(product, 30), (logistics, 20), (service, 15), (after_sales, 25), (content, 10)], 100
    )
    enough = (s["orders"].to_numpy() >= 30) & has_total
    total_column = pd.array(np.where(enough, total, 0), dtype="Int64")
    score_column = pd.array(np.where(enough, np.maximum(total, 300), 0), dtype="Int64")
    total_column[~enough] = pd.NA
    score_column[~enough] = pd.NA
    return pd.DataFrame(
        {
            "status": np.where(enough, "scored", "insufficient_data"),
            "total_hundredths": total_column,
            "score_hundredths": score_column,
        },
        index=pd.Index(s.index, name="merchant_id"),
    )
