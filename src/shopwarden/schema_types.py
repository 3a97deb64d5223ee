"""Field types shared by request and response schemas: money as text, ids, instants."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
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


MAX_DETAILS_BYTES = 16 * 1024
"""The largest ``details`` object, serialized as compact JSON (16 KiB)."""


def _small_details(value: dict[str, Any]) -> dict[str, Any]:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("must be plain JSON: NaN and Infinity are not numbers JSON has") from None
    size = len(text.encode())
    if size > MAX_DETAILS_BYTES:
        raise ValueError(f"is {size} bytes as JSON; at most {MAX_DETAILS_BYTES}")
    return value


Details = Annotated[dict[str, Any], AfterValidator(_small_details)]
"""A free JSON object kept with a ledger transaction, at most 16 KiB as compact JSON."""

EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(3000, 1, 1, tzinfo=UTC)
"""Instants from outside lie in [1970-01-01T00:00Z, 3000-01-01T00:00Z): far from the ends of
Python's calendar, so adding a period or converting a zone can never overflow."""


def _aware(value: datetime) -> datetime:
    try:
        instant = ensure_aware(value)
    except OverflowError:
        raise ValueError(
            f"{value.isoformat()} is outside {EARLIEST_INSTANT.isoformat()} .. "
            f"{LATEST_INSTANT.isoformat()}"
        ) from None
    except ValueError as error:
        raise ValueError(
            "an instant needs its time zone, e.g. 2024-03-01T09:00:00+08:00"
        ) from error
    if not EARLIEST_INSTANT <= instant < LATEST_INSTANT:
        raise ValueError(
            f"{value.isoformat()} is outside {EARLIEST_INSTANT.isoformat()} .. "
            f"{LATEST_INSTANT.isoformat()}"
        )
    return instant


_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as(pattern: re.Pattern[str], example: str) -> Any:
    """Text in the ISO form only: pydantic would also read a number (``0``, ``"1700000000"``)
    as seconds since 1970, which the schema (``format: date-time``/``date``) does not allow."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"write it as ISO 8601 text, e.g. {example}")
        if isinstance(value, int | float):
            raise ValueError(f"write it as ISO 8601 text, e.g. {example}")
        return value

    return BeforeValidator(check)


Instant = Annotated[
    datetime, _written_as(_ISO_DATE_TIME, "2024-03-01T09:00:00+08:00"), AfterValidator(_aware)
]
"""An instant with its time zone, between 1970 and the year 3000 (UTC), as ISO 8601 text."""

Day = Annotated[date, _written_as(_ISO_DAY, "2024-03-01")]
"""A calendar day as ISO 8601 text (``2024-03-01``)."""


def _not_null(schema: dict[str, Any]) -> None:
    options = schema.pop("anyOf", [])
    kept = [o for o in options if o != {"type": "null"}]
    if len(kept) == 1:
        schema.update(kept[0])
    elif kept:
        schema["anyOf"] = kept
    schema.pop("default", None)


def left_out(**constraints: Any) -> Any:
    """An optional field that may be left out but not sent as null: ``X | None = left_out()``
    (refuse null in a validator). The schema shows ``X`` alone, with no default."""
    return Field(default=None, json_schema_extra=_not_null, **constraints)


def refuse_null(value: Any) -> Any:
    """For ``field_validator(..., mode="before")`` on :func:`left_out` fields."""
    if value is None:
        raise ValueError("cannot be null; leave it out instead")
    return value
