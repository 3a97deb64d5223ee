"""The operators' view: how every merchant's score spreads over bands and buckets (SCORE-3).

Computed in the engine over all merchants with orders in the window, so it works the same for
three hundred merchants or a million.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopwarden.policy.model import PolicyVersion
from shopwarden.scoring.documents import window_document
from shopwarden.scoring.fixed_rules import round_half_up, to_units
from shopwarden.scoring.measures_model import TOTAL_DECIMALS
from shopwarden.scoring.service import parameters, score_everyone

BUCKET = 10  # hundredths: buckets of 0.10 point


def distribution(
    root: Path, *, version: PolicyVersion, as_of: datetime, engine: str = "duckdb"
) -> dict[str, Any]:
    """Bands, buckets of 0.10 point, mean and median over the facts under ``root`` (SCORE-3)."""
    policy = parameters(version)
    window, table = score_everyone(root, policy, as_of, engine=engine)
    merchants = table.num_rows
    if merchants:
        scores = table["score_hundredths"].drop_null().to_numpy().astype(np.int64)
        bands = table["band"].drop_null().to_pylist()
    else:
        scores, bands = np.array([], np.int64), []
    floor = to_units(policy.floor, TOTAL_DECIMALS)
    ceiling = to_units(policy.ceiling, TOTAL_DECIMALS)
    histogram = []
    for low in range(floor, ceiling, BUCKET):
        high = low + BUCKET
        last = high >= ceiling
        inside = (scores >= low) & ((scores <= high) if last else (scores < high))
        histogram.append(
            {"from": _text(low), "to": _text(min(high, ceiling)), "merchants": int(inside.sum())}
        )
    scored = len(scores)
    return {
        "as_of": as_of.isoformat(),
        "day": window.day.isoformat(),
        "window": window_document(window),
        "policy": {"family": version.family, "version": version.version},
        "merchants": merchants,
        "scored": scored,
        "insufficient_data": merchants - scored,
        "bands": [
            {
                "band": band.name,
                "merchants": bands.count(band.name),
                "share": f"{bands.count(band.name) / scored:.4f}" if scored else "0.0000",
            }
            for band in policy.bands
        ],
        "mean": _text(round_half_up(int(scores.sum()), scored)) if scored else None,
        "median": _text(int(np.sort(scores)[(scored - 1) // 2])) if scored else None,
        "histogram": histogram,
    }


def _text(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"
