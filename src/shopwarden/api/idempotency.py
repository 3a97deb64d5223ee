"""Idempotency-Key for requests that move money (DEP-15).

The key's record is inserted first, in the same database transaction as the work. A second
request with the same key waits on that row (PostgreSQL's unique index, SQLite's write lock);
once the first commits it finds the stored answer and returns it, moving nothing. The same key
with another request is refused with 409. A request that fails stores nothing, so it may be
retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import ContainerDep, PrincipalDep
from shopwarden.auth.service import Principal
from shopwarden.bootstrap import Container
from shopwarden.decisions.tables import IdempotencyRow
from shopwarden.errors import Conflict, IdempotencyKeyReused, InvalidInput
from shopwarden.ledger.model import fingerprint

Work = Callable[[Session], tuple[int, dict[str, Any]]]
MAX_KEY_LENGTH = 200


def run_idempotent(
    container: Container,
    principal: Principal,
    key: str | None,
    *,
    method: str,
    path: str,
    body: Any,
    work: Work,
) -> tuple[int, dict[str, Any], bool]:
    """Run ``work`` once per key; returns (status, body, replayed)."""
    if not key:
        raise InvalidInput(
            "a request that moves money needs an Idempotency-Key header", field="Idempotency-Key"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"Idempotency-Key is longer than {MAX_KEY_LENGTH}", field="Idempotency-Key"
        )
    request_hash = fingerprint({"method": method, "path": path, "body": body})
    for _ in range(5):
        try:
            return _attempt(container, principal.scope, key, request_hash, work)
        except _KeyTaken:
            continue
    raise Conflict(
        "the request with this Idempotency-Key is still in progress; retry", field="Idempotency-Key"
    )


class _KeyTaken(Exception):
    """Another request inserted the key first and committed; read its answer next time."""


def _attempt(
    container: Container, scope: str, key: str, request_hash: str, work: Work
) -> tuple[int, dict[str, Any], bool]:
    with container.db.transaction() as session:
        stored = session.get(IdempotencyRow, (scope, key))
        if stored is not None:
            if stored.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was used for another request", field="Idempotency-Key"
                )
            return stored.status_code, stored.response, True
        record = IdempotencyRow(
            scope=scope,
            key=key,
            request_hash=request_hash,
            status_code=0,
            response={},
            created_at=container.clock.now(),
        )
        try:
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError as error:
            raise _KeyTaken from error
        status, response = work(session)
        record.status_code = status
        record.response = response
        return status, response, False


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
    container: Container
    principal: Principal
    key: str | None

    @property
    def ledger_key(self) -> str:
        return f"api:{self.principal.scope}:{self.key}"

    def run(self, body: Any, work: Callable[[Session], Any], status: int = 201) -> dict[str, Any]:
        def once(session: Session) -> tuple[int, dict[str, Any]]:
            # DEP-15: no single amount above the platform ceiling; inside the unit of work, so
            # a refusal stores nothing and a replay still returns the first answer.
            check_amounts(self.container, body)
            return status, jsonable_encoder(work(session))

        code, payload, replayed = run_idempotent(
            self.container,
            self.principal,
            self.key,
            method=self.request.method,
            path=self.request.url.path,
            body=jsonable_encoder(body) if body is not None else {},
            work=once,
        )
        self.response.status_code = code
        if replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return payload


def money_call(
    request: Request,
    response: Response,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> MoneyCall:
    return MoneyCall(request, response, container, principal, idempotency_key)


MoneyCallDep = Annotated[MoneyCall, Depends(money_call)]
