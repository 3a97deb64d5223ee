"""Field types for policy parameters: amounts, decimals, durations and piecewise-linear tables.

Every number of the rule book lives in a policy file (SPEC, "Every number ... is a policy
parameter"), so these types are strict about how a number is written. YAML reads ``1000.00``
as a float and a float cannot carry a cent or a rate exactly, so amounts and decimals must be
quoted text; an unquoted number is refused with a message saying to quote it. Counts (days,
orders, levels) are plain YAML integers. The family schemas import only this module, pydantic,
``shopwarden.money`` and the standard library, so they stay pure data.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from shopwarden.money import Money


class PolicyModel(BaseModel):
    """Base of every parameter model: immutable, and a key it does not know is a mistake."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _quote_hint(value: Any, kind: str, example: str) -> ValueError:
    return ValueError(
        f'write {kind} as quoted text, e.g. "{example}": the unquoted {value!r} is read as a '
        f"{type(value).__name__}, and only text keeps its exact value"
    )


def _to_money(value: Any) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        example = f"{value:.2f}" if isinstance(value, int | float) else "1000.00"
        raise _quote_hint(value, "amounts", example)
    if isinstance(value, Decimal):
        value = format(value, "f")
    if value.startswith("-"):
        raise ValueError(f"{value!r} is negative; policy amounts are 0.00 or more")
    return Money.parse_policy_text(value)  # MoneyError (a ValueError) names a third decimal


Amount = Annotated[
    Money,
    BeforeValidator(_to_money),
    PlainSerializer(lambda m: m.to_text(), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$", "examples": ["1000.00"]}
    ),
]
"""An amount of CNY in whole cents, written ``"1000.00"``; shown the same way."""


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f'{value!r} is not a decimal number like "0.003"') from None
    else:
        raise _quote_hint(value, "decimals", str(value) if not isinstance(value, bool) else "1")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


DecimalText = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["0.003"]}),
]
"""An exact decimal written as quoted text (``"0.003"``, ``"4.85"``)."""

Rate = Annotated[DecimalText, Field(ge=0, le=1)]
"""A share, rate or weight between 0 and 1 inclusive, e.g. ``"0.003"`` for 0.3 %."""

Multiplier = Annotated[DecimalText, Field(ge=0)]
"""A non-negative factor, e.g. a traffic weight ``"1.20"``."""

_DURATION = re.compile(r"^(?P<n>\d+)(?P<unit>[dhms])$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_UNITS["s"] = timedelta(seconds=1)


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        duration = value
    else:
        match = _DURATION.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f'{value!r} is not a duration like "3d", "24h", "30m", "45s"')
        duration = int(match["n"]) * _UNITS[match["unit"]]
    if duration <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return duration


def format_duration(duration: timedelta) -> str:
    """The text a policy file would use: the largest unit that divides it exactly."""
    seconds = int(duration.total_seconds())
    for unit, size in _UNITS.items():
        step = int(size.total_seconds())
        if seconds % step == 0:
            return f"{seconds // step}{unit}"
    return f"{seconds}s"  # pragma: no cover - "s" always divides


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+[dhms]$", "examples": ["3d", "24h"]}),
]
"""A positive span written ``"3d"``, ``"24h"``, ``"30m"`` or ``"45s"``; N days = N × 24 h."""

Count = Annotated[int, Field(strict=True, ge=0)]
"""A whole number written as a plain YAML integer (days, orders, levels)."""

PositiveCount = Annotated[int, Field(strict=True, ge=1)]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$")]
"""A stable snake_case identifier: a category code, a campaign, a measure, a right."""


def unique(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Refuse a list that names an item twice: a repeated code is always a typo."""
    seen: set[Any] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen:
            repeated.append(str(value))
        seen.add(value)
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return values


Codes = Annotated[tuple[Code, ...], AfterValidator(unique)]
"""A list of distinct codes."""


class PiecewiseLinear(RootModel[tuple[tuple[DecimalText, DecimalText], ...]]):
    """A table of ``[x, y]`` points joined by straight lines, flat beyond both ends.

    Indicator-to-score tables (SCORE-2) and band mappings (SCORE-3) use it, so a change of
    weighting is a data change. x must strictly increase; two points at least.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        points = self.root
        if len(points) < 2:
            raise ValueError("a piecewise-linear table needs at least 2 points [x, y]")
        for (x0, _), (x1, _) in pairwise(points):
            if x1 <= x0:
                raise ValueError(f"x must strictly increase: {x1} follows {x0}")
        return self

    @property
    def points(self) -> tuple[tuple[Decimal, Decimal], ...]:
        return self.root

    @property
    def x_range(self) -> tuple[Decimal, Decimal]:
        return self.root[0][0], self.root[-1][0]

    @property
    def y_values(self) -> list[Decimal]:
        return [y for _, y in self.root]

    def evaluate(self, x: Decimal) -> Decimal:
        """y at x, interpolated linearly; clamped to the end values outside the table."""
        points = self.root
        if x <= points[0][0]:
            return points[0][1]
        for (x0, y0), (x1, y1) in pairwise(points):
            if x <= x1:
                return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
        return points[-1][1]
