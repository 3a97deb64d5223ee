"""One expression, every engine, the same digits: the pure rules against the Ibis expression on
DuckDB, and DuckDB against Spark on the same generated facts (SCORE-1..4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopwarden.facts.storage import facts_dir
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.metrics.engines import open_engine
from shopwarden.metrics.primitives import duckdb_divide, portable_divide
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.measures_model import AGGREGATES
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import evaluate
from shopwarden.scoring.score_table import score_table
from shopwarden.scoring.service import (
    SUMMARY,
    aggregates_by_merchant,
    aggregates_expression,
    all_aggregates,
    score_everyone,
)
from shopwarden.scoring.window_rules import score_window
from tests.scoring.conftest import AS_OF

STORE = PolicyStore.load(schemas=POLICY_SCHEMAS)
POLICIES = {
    v: STORE.get("score", v).parameters_as(ScorePolicy) for v in ("2023-06-01", "2023-12-15")
}
KEYS = ["status", "total_hundredths", "band", "score_hundredths"]


def pure_row(policy: ScorePolicy, aggregates: dict[str, int]) -> dict[str, Any]:
    result = evaluate(policy, aggregates)
    return {
        "status": result.status,
        "total_hundredths": result.total_hundredths,
        "band": result.band,
        "score_hundredths": result.score_hundredths,
    }


def engine_rows(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["merchant_id"]: {k: row[k] for k in KEYS} for row in table.to_pylist()}


@st.composite
def aggregates(draw: st.DrawFn) -> dict[str, int]:
    """Whole numbers as an engine could sum them, numerators within their denominators."""
    orders = draw(st.one_of(st.integers(0, 40), st.integers(0, 5000)))  # both sides of 30
    values = {name: 0 for name in AGGREGATES} | {"scored_orders": orders}
    for count, total, top in [
        ("product_rating_count", "product_rating_sum", 5),
        ("logistics_rating_count", "logistics_rating_sum", 5),
        ("service_rating_count", "service_rating_sum", 5),
        ("live_content_ratings", "live_content_rating_sum", 5),
        ("short_video_content_ratings", "short_video_content_rating_sum", 5),
        ("deliveries", "delivery_seconds", 400 * 3600),
        ("refunds_handled", "refund_handling_seconds", 200 * 3600),
        ("shipments_due", "shipped_on_time", 1),
        ("cs_messages", "cs_replied_within", 1),
    ]:
        n = draw(st.integers(0, orders))
        values[count] = n
        values[total] = draw(st.integers(n if top == 5 else 0, n * top))
    for rate in ("quality_refunds", "disputes", "complaints"):
        values[rate] = draw(st.integers(0, min(orders, draw(st.sampled_from([0, 3, 50, orders])))))
    return values


@pytest.mark.rule("SCORE-3")
@settings(max_examples=25, deadline=None)
@given(st.lists(aggregates(), min_size=1, max_size=40))
def test_the_ibis_expression_on_duckdb_matches_the_pure_rules(rows: list[dict[str, int]]) -> None:
    """Ibis's portable floor division and DuckDB's integer ``divide`` alike, and without the
    breakdown (only merchants with enough orders worked out) the same status, total, score."""
    table = pa.table(
        {"merchant_id": [f"m{i}" for i in range(len(rows))]}
        | {name: pa.array([r[name] for r in rows], pa.int64()) for name in AGGREGATES}
    )
    backend = ibis.duckdb.connect()
    ways = [(portable_divide, True), (duckdb_divide, True), (duckdb_divide, False)]
    try:
        for policy in POLICIES.values():
            expected = {f"m{i}": pure_row(policy, row) for i, row in enumerate(rows)}
            for divide, breakdown in ways:
                expression = score_table(
                    ibis.memtable(table), policy, divide=divide, breakdown=breakdown
                )
                assert engine_rows(backend.to_pyarrow(expression)) == expected
    finally:
        backend.disconnect()


@pytest.mark.rule("SCORE-2")
def test_generated_facts_score_the_same_through_the_pure_rules(generated_home: Path) -> None:
    root = facts_dir(generated_home)
    for policy in POLICIES.values():
        window, table = score_everyone(root, policy, AS_OF)
        engine = open_engine(root)
        try:
            sums = all_aggregates(engine, policy, window)
        finally:
            engine.close()
        got = engine_rows(table)
        assert set(got) == set(sums) and len(got) == 40
        assert {m: pure_row(policy, a) for m, a in sums.items()} == got
        assert {row["band"] for row in got.values()} >= {"basic", "good", "excellent"}


@pytest.mark.rule("SCORE-2")
def test_the_summary_is_the_breakdowns_summary(generated_home: Path) -> None:
    """Without the breakdown, merchants with too few orders are not worked out: the same
    rows, the same status, total, band and score."""
    root = facts_dir(generated_home)
    orders = sorted(
        score_everyone(root, POLICIES["2023-12-15"], AS_OF)[1]["scored_orders"].to_pylist()
    )
    for base in POLICIES.values():  # half the merchants below the minimum
        policy = base.model_copy(update={"min_scored_orders": orders[len(orders) // 2]})
        summary = score_everyone(root, policy, AS_OF)[1].sort_by("merchant_id")
        detail = score_everyone(root, policy, AS_OF, detail=True)[1].sort_by("merchant_id")
        assert summary.column_names == list(SUMMARY)
        assert summary.equals(detail.select(list(SUMMARY)))
        assert summary["status"].to_pylist().count("insufficient_data") == len(orders) // 2


def test_aggregates_convert_column_wise_as_row_by_row(generated_home: Path) -> None:
    root = facts_dir(generated_home)
    policy = POLICIES["2023-12-15"]
    engine = open_engine(root)
    try:
        table = engine.to_arrow(
            aggregates_expression(engine, policy, score_window(AS_OF, policy.window_days))
        )
    finally:
        engine.close()
    rows = {r["merchant_id"]: {n: int(r[n]) for n in AGGREGATES} for r in table.to_pylist()}
    converted = aggregates_by_merchant(table)
    assert converted == rows and len(rows) == 40
    assert all(type(v) is int for numbers in converted.values() for v in numbers.values())


@pytest.mark.rule("SCORE-2")
def test_duckdb_and_spark_give_the_same_scores(generated_home: Path, spark: Any) -> None:
    root = facts_dir(generated_home)
    policy = POLICIES["2023-12-15"]
    window = score_window(AS_OF, policy.window_days)
    results = {}
    for name in ("duckdb", "spark"):
        engine = open_engine(root, name)
        try:
            results[name] = all_aggregates(engine, policy, window)
        finally:
            engine.close()
        table = score_everyone(root, policy, AS_OF, engine=name, detail=True)[1]
        results[f"{name} score"] = table.sort_by("merchant_id").to_pylist()
        summary = score_everyone(root, policy, AS_OF, engine=name)[1]
        results[f"{name} summary"] = summary.sort_by("merchant_id").to_pylist()
    assert results["duckdb"] == results["spark"]
    # every indicator's value and mapping, every dimension, the total, band and score
    assert results["duckdb score"] == results["spark score"]
    assert results["duckdb summary"] == results["spark summary"]
    assert len(results["duckdb score"][0]) == 6 + 12 + 12 + 5
