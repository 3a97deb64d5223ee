"""Use cases of the score: evaluate one merchant or all of them as of an instant.

The engine (DuckDB or Spark) sums each merchant's window into whole numbers; for one merchant
the pure rules turn them into the score and its breakdown (SCORE-1..5), for many merchants the
same arithmetic runs inside the engine (``score_table.py``). The policy is the version in
force at ``as_of`` (POL-1) unless a draft is given (what-if).

These read the facts folder (``root``) and the policy book only, never the database, so they
take them explicitly and hold no unit of work open while an engine runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.metrics.engines import FactsEngine, open_engine
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.aggregates import window_aggregates
from shopwarden.scoring.measures_model import AGGREGATES, MEASURES
from shopwarden.scoring.merchant_aggregates import MerchantAggregates
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import ScoreResult, evaluate
from shopwarden.scoring.score_table import score_stage
from shopwarden.scoring.window_rules import Window, score_window

FAMILY = "score"


@dataclass(frozen=True)
class MerchantScore:
    merchant_id: str
    as_of: datetime
    window: Window
    version: PolicyVersion
    result: ScoreResult


def policy_in_force(policies: PolicyStore, as_of: datetime) -> PolicyVersion:
    return policies.in_force(FAMILY, as_of)


def parameters(version: PolicyVersion) -> ScorePolicy:
    return version.parameters_as(ScorePolicy)


def reply_limit_seconds(policy: ScorePolicy) -> int:
    """The ``within`` of the reply-time indicator (SCORE-2); the aggregates need it."""
    for dimension in policy.dimensions.values():
        for name, indicator in dimension.indicators.items():
            if MEASURES[name].needs_within and indicator.within is not None:
                return int(indicator.within.total_seconds())
    return 0


def aggregates_expression(
    engine: FactsEngine, policy: ScorePolicy, window: Window, merchant_id: str | None = None
) -> Any:
    assert engine.orders is not None
    return window_aggregates(
        engine.orders,
        window,
        reply_within_seconds=reply_limit_seconds(policy),
        merchant_id=merchant_id,
        micros=engine.micros,
        divide=engine.divide,
    )


def zero_aggregates() -> dict[str, int]:
    return dict.fromkeys(AGGREGATES, 0)


def merchant_aggregates(
    engine: FactsEngine, policy: ScorePolicy, window: Window, merchant_id: str
) -> dict[str, int]:
    if engine.orders is None:
        return zero_aggregates()
    rows = engine.to_arrow(aggregates_expression(engine, policy, window, merchant_id)).to_pylist()
    if not rows:
        return zero_aggregates()
    return {name: int(rows[0][name]) for name in AGGREGATES}


def all_aggregates(engine: FactsEngine, policy: ScorePolicy, window: Window) -> MerchantAggregates:
    """Every merchant with orders in the window, by merchant id (converted column-wise)."""
    if engine.orders is None:
        return MerchantAggregates()
    return aggregates_by_merchant(engine.to_arrow(aggregates_expression(engine, policy, window)))


def aggregates_by_merchant(table: pa.Table) -> MerchantAggregates:
    """The engine's aggregates as a mapping per merchant, converted a column at a time
    (``merchant_aggregates.py``)."""
    return MerchantAggregates(table)


def score_merchant(
    root: Path,
    *,
    version: PolicyVersion,
    as_of: datetime,
    merchant_id: str,
    engine: str = "duckdb",
) -> MerchantScore:
    """One merchant's score with its breakdown (SCORE-1..5), from the facts under ``root``."""
    policy = parameters(version)
    window = score_window(as_of, policy.window_days)
    facts = open_engine(root, engine)
    try:
        aggregates = merchant_aggregates(facts, policy, window, merchant_id)
    finally:
        facts.close()
    return MerchantScore(merchant_id, as_of, window, version, evaluate(policy, aggregates))


SUMMARY = ("merchant_id", "scored_orders", "status", "total_hundredths", "band", "score_hundredths")


def score_everyone(
    root: Path,
    policy: ScorePolicy,
    as_of: datetime,
    *,
    engine: str = "duckdb",
    detail: bool = False,
    threads: int | None = None,
) -> tuple[Window, pa.Table]:
    """The engine's score table for every merchant with orders in the window; ``detail`` adds
    each indicator's value and mapping and each dimension (``score_table.py``). ``threads``
    caps DuckDB's threads (default: all cores)."""
    window = score_window(as_of, policy.window_days)
    facts = open_engine(root, engine, **({"threads": threads} if threads else {}))
    try:
        if facts.orders is None:
            return window, pa.table({"merchant_id": pa.array([], pa.string())})
        stage = score_stage(policy, None if detail else SUMMARY, divide=facts.divide)
        return window, facts.to_arrow_over(aggregates_expression(facts, policy, window), stage)
    finally:
        facts.close()
