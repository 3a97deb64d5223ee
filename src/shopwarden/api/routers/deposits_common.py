"""What the deposit routers share: who may say money came from outside, whose view it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shopwarden.api.deps import merchant_filter
from shopwarden.auth.service import Principal
from shopwarden.errors import Forbidden, InvalidInput

Limit = Annotated[int, Query(ge=1, le=1000)]
ViewMerchant = Annotated[
    str | None,
    Query(
        description="The merchant the view is about. Required for an operator (422 without it); "
        "a merchant's token defaults to its own, and naming another merchant answers 404.",
        examples=["m1"],
    ),
]


def paid_from(principal: Principal, source: str) -> None:
    """Only an operator may say money came from outside: from a merchant's request nothing is
    credited from ``platform:bank`` without an operator's confirmation (DEP-15)."""
    if source == "external" and not principal.is_operator:
        raise Forbidden(
            "a merchant pays from its wallet; money from outside comes in through "
            "POST /v1/payments/incoming and an operator's confirmation",
            field="source",
            rule="DEP-15",
        )


def merchant_of(principal: Principal, merchant_id: str | None) -> str:
    """The merchant a view is about: a merchant's own by default; operators must name one."""
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    if not merchant:
        raise InvalidInput("name the merchant", field="merchant_id")
    return merchant
