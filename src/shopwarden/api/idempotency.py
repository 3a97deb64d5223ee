"""Idempotency-Key for requests that move money (DEP-15), as a FastAPI dependency.

The once-per-key machinery is ``idempotency/service.py``, shared with the CLI; this module
reads the header, scopes the key to the caller and turns the stored answer into a response
(409 for a key reused with another request, ``Idempotent-Replayed: true`` on a replay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import PrincipalDep, RequestUnits, UnitsDep
from shopwarden.auth.service import Principal
from shopwarden.context import Context
from shopwarden.idempotency.service import MAX_KEY_LENGTH, run_once

__all__ = ["MAX_KEY_LENGTH", "MoneyCall", "MoneyCallDep", "money_call"]


@dataclass
class MoneyCall:
    """A request that moves money, as a FastAPI dependency (DEP-15).

    ``run`` executes the work once per Idempotency-Key in one unit of work; a retry gets the
    first answer with ``Idempotent-Replayed: true``. ``ledger_key`` namespaces the request's key
    for the ledger transactions the work posts. Every amount of the body is bounded by the
    platform's ``max_single_amount`` (``api/amounts.py``).
    """

    request: Request
    response: Response
    units: RequestUnits
    principal: Principal
    key: str | None

    @property
    def ledger_key(self) -> str:
        return f"api:{self.principal.scope}:{self.key}"

    def run(self, body: Any, work: Callable[[Context], Any], status: int = 201) -> dict[str, Any]:
        """Do ``work(ctx)`` once per key; its result, JSON-encoded, is the answer."""

        def once(ctx: Context) -> tuple[int, dict[str, Any]]:
            # DEP-15: no single amount above the platform ceiling; inside the unit of work, so
            # a refusal stores nothing and a replay still returns the first answer.
            check_amounts(ctx, body)
            return status, jsonable_encoder(work(ctx))

        request = {
            "method": self.request.method,
            "path": self.request.url.path,
            "body": jsonable_encoder(body) if body is not None else {},
        }
        code, payload, replayed = run_once(
            self.units,
            scope=self.principal.scope,
            key=self.key,
            request=request,
            work=once,
        )
        self.response.status_code = code
        if replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return payload


async def money_call(
    request: Request,
    response: Response,
    units: UnitsDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> MoneyCall:
    return MoneyCall(request, response, units, principal, idempotency_key)


MoneyCallDep = Annotated[MoneyCall, Depends(money_call)]
