"""Money is integer cents, read from text; floats never get in (DEP-15, SPEC conventions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwarden.money import Money, MoneyError, apply_rate

pytestmark = pytest.mark.rule("DEP-15")


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1000.00", 100_000), ("0.01", 1), ("12.50", 1250), ("7.00", 700), ("-3.20", -320)],
)
def test_parses_text_into_cents(text: str, cents: int) -> None:
    assert Money.parse(text) == Money.of_cents(cents)


def test_a_float_is_refused_even_when_it_looks_exact() -> None:
    with pytest.raises(MoneyError, match="never as a float"):
        Money.parse(1.5)


def test_a_third_decimal_is_refused_not_rounded() -> None:
    with pytest.raises(MoneyError, match="more than 2 decimals"):
        Money.parse("1.005")


@pytest.mark.parametrize(
    "value",
    ["abc", "", "1,000.00", "1.2.3", True, False, None, [1], "7", "12.5", 10, Decimal("1.00")],
)
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        Money.parse(value)


def test_cents_must_be_an_int() -> None:
    with pytest.raises(MoneyError):
        Money(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "text"),
    [(100_000, "1000.00"), (1, "0.01"), (1250, "12.50"), (0, "0.00"), (-5, "-0.05")],
)
def test_to_text_writes_two_decimals(cents: int, text: str) -> None:
    assert Money.of_cents(cents).to_text() == text
    assert Money.parse(text) == Money.of_cents(cents)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        ("100.50", "0.01", "1.01"),  # 1.005 rounds half-up
        ("0.01", "0.01", "0.00"),
        ("99.99", "0.01", "1.00"),
        ("500000.00", "0.003", "1500.00"),  # DEP-11's premium: 0.3 % of the deposit
        ("0.50", "0.01", "0.01"),  # exactly half a cent goes up
    ],
)
def test_apply_rate_rounds_half_up_once(amount: str, rate: str, expected: str) -> None:
    assert apply_rate(Money.parse(amount), Decimal(rate)).to_text() == expected


def test_a_rate_must_be_a_decimal() -> None:
    with pytest.raises(MoneyError):
        apply_rate(Money.parse("1.00"), 0.01)  # type: ignore[arg-type]
