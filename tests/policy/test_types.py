"""Policy field types: exact numbers from text, durations, piecewise-linear tables."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.policy.loader import BUNDLED_DIR, load_file
from shopwarden.policy.types import (
    Amount,
    Codes,
    DecimalText,
    Duration,
    PiecewiseLinear,
    Rate,
    format_duration,
)

AMOUNT = TypeAdapter(Amount)
DECIMAL = TypeAdapter(DecimalText)
RATE = TypeAdapter(Rate)
DURATION = TypeAdapter(Duration)
CODES = TypeAdapter(Codes)


def table(*points: tuple[str, str]) -> PiecewiseLinear:
    return PiecewiseLinear.model_validate([list(p) for p in points])


def test_amounts_are_text_in_whole_cents_and_shown_as_text():
    assert AMOUNT.validate_python("1000.00") == Money.parse("1000.00")
    assert AMOUNT.dump_python(Money.parse("12.50")) == "12.50"
    for bad, reason in [
        (1000.0, "quoted text"),
        (1000, "quoted text"),
        (True, "quoted text"),
        ("1.001", "more than 2 decimals"),
        ("-5.00", "negative"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            AMOUNT.validate_python(bad)


def test_decimals_and_rates_are_text():
    assert DECIMAL.validate_python("0.003") == Decimal("0.003")
    assert DECIMAL.dump_python(Decimal("0.003"), mode="json") == "0.003"
    assert RATE.validate_python("1") == 1
    for bad in [0.003, "NaN", "abc"]:
        with pytest.raises(ValidationError):
            DECIMAL.validate_python(bad)
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        RATE.validate_python("1.5")


@pytest.mark.parametrize(
    ("text", "span", "shown"),
    [
        ("3d", timedelta(days=3), "3d"),
        ("24h", timedelta(days=1), "1d"),
        ("30m", timedelta(minutes=30), "30m"),
        ("90m", timedelta(minutes=90), "90m"),
        ("45s", timedelta(seconds=45), "45s"),
        ("180d", timedelta(days=180), "180d"),
    ],
)
def test_durations(text, span, shown):
    assert DURATION.validate_python(text) == span
    assert DURATION.dump_python(span, mode="json") == shown


@pytest.mark.parametrize("bad", ["3 days", "3", "0d", 3, "-1d", "1d2h"])
def test_bad_durations(bad):
    with pytest.raises(ValidationError):
        DURATION.validate_python(bad)


@given(st.integers(min_value=1, max_value=10**7))
def test_a_formatted_duration_reads_back_the_same(seconds):
    span = timedelta(seconds=seconds)
    assert DURATION.validate_python(format_duration(span)) == span


def test_a_code_list_names_each_code_once():
    with pytest.raises(ValidationError, match="listed more than once: fresh_food"):
        CODES.validate_python(["fresh_food", "insurance", "fresh_food"])
    with pytest.raises(ValidationError):
        CODES.validate_python(["Fresh Food"])


def test_piecewise_linear_interpolates_and_clamps():
    t = table(("0", "5"), ("0.005", "4.8"), ("0.02", "4"), ("0.1", "0"))
    assert t.evaluate(Decimal("-1")) == 5
    assert t.evaluate(Decimal("0.0025")) == Decimal("4.9")
    assert t.evaluate(Decimal("0.02")) == 4
    assert t.evaluate(Decimal("0.06")) == 2
    assert t.evaluate(Decimal("7")) == 0
    assert t.model_dump(mode="json") == [["0", "5"], ["0.005", "4.8"], ["0.02", "4"], ["0.1", "0"]]


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        ([["1", "0"]], "at least 2 points"),
        ([["1", "0"], ["1", "1"]], "strictly increase"),
        ([["2", "0"], ["1", "1"]], "strictly increase"),
        ([[1, "0"], ["2", "1"]], "quoted text"),
    ],
)
def test_piecewise_linear_refuses_bad_tables(points, reason):
    with pytest.raises(ValidationError, match=reason):
        PiecewiseLinear.model_validate(points)


decimals = st.decimals(min_value=-100, max_value=100, places=3, allow_nan=False)


@given(
    st.lists(st.tuples(decimals, decimals), min_size=2, max_size=6, unique_by=lambda p: p[0]),
    decimals,
)
def test_piecewise_linear_stays_within_its_y_range(points, x):
    t = PiecewiseLinear.model_validate([[str(a), str(b)] for a, b in sorted(points)])
    assert min(t.y_values) <= t.evaluate(x) <= max(t.y_values)


@pytest.mark.rule("POL-2")
def test_a_version_document_is_json_ready_and_records_its_ref():
    version = load_file(BUNDLED_DIR / "deposits" / "2023-01-01.yaml", schemas=POLICY_SCHEMAS)
    document = version.document()
    json.dumps(document)  # JSON-ready, no Decimal, Money or timedelta left
    assert document["effective_from"] == "2023-01-01T00:00:00+08:00"
    assert document["parameters"]["consumer_protection"]["minimum"] == "1000.00"
    assert document["parameters"]["consumer_protection"]["shield_lifted_after_topup"] == "1d"
    assert document["parameters"]["juhuasuan"]["premium_rate"] == "0.003"
    assert version.ref == "deposits@2023-01-01"
    with pytest.raises(TypeError, match="holds DepositsPolicy"):
        version.parameters_as(PiecewiseLinear)
