"""Bounded amounts where money requests enter the API (DEP-15).

No single amount in a request may exceed the platform policy's ``max_single_amount`` in force
(an assumption of this project, not the platform's). The check walks the validated body, so
every amount field of every model is covered, nested ones too (``postings.0.amount``), and a
refusal names the field. The ledger service bounds the totals on its own, for every caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from shopwarden.context import Context
from shopwarden.errors import InvalidInput, NotFound
from shopwarden.money import Money
from shopwarden.platform_policy import DEFAULT_MAX_SINGLE_AMOUNT, PlatformPolicy


def max_single_amount(ctx: Context) -> Money:
    """The ceiling of the platform policy in force now; the documented default without one."""
    try:
        version = ctx.policies.in_force("platform", ctx.now())
    except NotFound:
        return DEFAULT_MAX_SINGLE_AMOUNT
    return version.parameters_as(PlatformPolicy).max_single_amount


def check_amounts(ctx: Context, body: Any) -> None:
    """Refuse the first amount of ``body`` above the ceiling: 422 ``invalid-input`` naming it."""
    found = list(amounts_in(body))
    if not found:
        return
    ceiling = max_single_amount(ctx)
    for path, amount in found:
        if abs(amount.cents) > ceiling.cents:
            raise InvalidInput(
                f"{path} {amount} is more than the largest single amount, {ceiling} "
                "(platform policy max_single_amount)",
                field=path,
                rule="DEP-15",
            )


def amounts_in(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Money]]:
    """Every ``Money`` inside a model, list or mapping, with its dotted field path."""
    if isinstance(value, Money):
        yield ".".join(path) or "amount", value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from amounts_in(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from amounts_in(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from amounts_in(item, (*path, str(index)))
