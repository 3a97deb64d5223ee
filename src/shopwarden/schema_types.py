"""Field types shared by request and response schemas: money as text, ids, instants."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from shopwarden.clock import ensure_aware
from shopwarden.money import MONEY_PATTERN, POSITIVE_MONEY_PATTERN, Money


def _to_money(value: Any) -> Money:
    return Money.parse(value)


MoneyText = Annotated[
    Money,
    BeforeValidator(_to_money),
    PlainSerializer(lambda m: m.to_text(), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": (
                "A signed amount as text: ASCII digits, no leading zero, exactly two decimals, "
                '"-" before a non-zero amount only; JSON numbers are refused.'
            ),
            "examples": ["1000.00", "-0.01"],
        }
    ),
]
"""A signed amount written as text with exactly two decimals; JSON numbers are refused."""


def _positive(value: Money) -> Money:
    if not value.is_positive():
        raise ValueError("must be more than 0.00")
    return value


PositiveMoneyText = Annotated[
    Money,
    BeforeValidator(_to_money),
    AfterValidator(_positive),
    PlainSerializer(lambda m: m.to_text(), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": POSITIVE_MONEY_PATTERN,
            "description": (
                "An amount above 0.00 as text: ASCII digits, no leading zero, exactly two "
                'decimals, no sign ("0.00" and "-1.00" are refused); JSON numbers are refused.'
            ),
            "examples": ["1000.00", "0.01"],
        }
    ),
]
"""An amount above 0.00 (not 0.00, no sign), written as text with exactly two decimals."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
"""Ids chosen by the marketplace's own systems: letters, digits, ``_ . -``, at most 64."""


def _aware(value: datetime) -> datetime:
    try:
        return ensure_aware(value)
    except ValueError as error:
        raise ValueError(
            "an instant needs its time zone, e.g. 2024-03-01T09:00:00+08:00"
        ) from error


Instant = Annotated[datetime, AfterValidator(_aware)]
