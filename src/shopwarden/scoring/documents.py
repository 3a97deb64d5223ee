"""A score as merchants read it (SCORE-5): JSON-ready, every number as exact decimal text.

The same document is stored in a daily snapshot and served by the API, so what a merchant
reads for a past day is what the rules computed that day.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shopwarden.scoring.rules import DimensionResult, IndicatorResult, ScoreResult
from shopwarden.scoring.service import MerchantScore
from shopwarden.scoring.window_rules import Window


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def window_document(window: Window) -> dict[str, Any]:
    return {
        "first_day": window.first_day.isoformat(),
        "last_day": window.last_day.isoformat(),
        "days": window.days,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "time_zone": "Asia/Shanghai",
    }


def indicator_document(indicator: IndicatorResult) -> dict[str, Any]:
    segment = indicator.segment
    return {
        "name": indicator.name,
        "measure": indicator.measure,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "value": _text(indicator.value),
        "mapped": _text(indicator.mapped),
        "mapping": None
        if segment is None
        else {"from": [str(v) for v in segment[0]], "to": [str(v) for v in segment[1]]},
        "weight": str(indicator.weight),
        "share": str(indicator.share),
        "contribution": str(indicator.contribution),
    }


def dimension_document(dimension: DimensionResult) -> dict[str, Any]:
    return {
        "name": dimension.name,
        "weight": str(dimension.weight),
        "score": _text(dimension.score),
        "share": str(dimension.share),
        "contribution": str(dimension.contribution),
        "indicators": [indicator_document(i) for i in dimension.indicators],
    }


def breakdown(result: ScoreResult) -> list[dict[str, Any]]:
    return [dimension_document(d) for d in result.dimensions]


def score_document(score: MerchantScore, *, source: str = "live") -> dict[str, Any]:
    result = score.result
    return {
        "merchant_id": score.merchant_id,
        "day": score.window.day.isoformat(),
        "as_of": score.as_of.isoformat(),
        "source": source,
        "policy": {"family": score.version.family, "version": score.version.version},
        "status": result.status,
        "scored_orders": result.scored_orders,
        "min_scored_orders": result.min_scored_orders,
        "total": _text(result.total),
        "band": result.band,
        "score": _text(result.score),
        "window": window_document(score.window),
        "dimensions": breakdown(result),
    }
