"""Run a request once per key, whichever interface it came through (DEP-15).

The key's record is inserted first, in the same unit of work as the work. A second request
with the same key waits on that row (PostgreSQL's unique index, SQLite's write lock); once the
first commits it finds the stored answer and returns it, moving nothing. The same key with
another request is refused. A request that fails stores nothing, so it may be retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from shopwarden.context import Context, UnitOfWork
from shopwarden.errors import Conflict, IdempotencyKeyReused, InvalidInput
from shopwarden.idempotency.tables import IdempotencyRow
from shopwarden.ledger.model import fingerprint

Work = Callable[[Context], tuple[int, dict[str, Any]]]
"""The work: returns the answer's status code and JSON-ready body, stored for replays."""

MAX_KEY_LENGTH = 200
KEY_FIELD = "Idempotency-Key"


def run_once(
    units: UnitOfWork, *, scope: str, key: str | None, request: Any, work: Work
) -> tuple[int, dict[str, Any], bool]:
    """Run ``work`` once per ``(scope, key)``; returns (status, body, replayed)."""
    if not key:
        raise InvalidInput(
            "a request that moves money needs an Idempotency-Key header", field=KEY_FIELD
        )
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key is longer than {MAX_KEY_LENGTH}", field=KEY_FIELD)
    request_hash = fingerprint(request)
    for _ in range(5):
        try:
            return _attempt(units, scope, key, request_hash, work)
        except _KeyTaken:
            continue
    raise Conflict(
        "the request with this Idempotency-Key is still in progress; retry", field=KEY_FIELD
    )


class _KeyTaken(Exception):
    """Another request inserted the key first and committed; read its answer next time."""


def _attempt(
    units: UnitOfWork, scope: str, key: str, request_hash: str, work: Work
) -> tuple[int, dict[str, Any], bool]:
    with units() as ctx:
        stored = ctx.session.get(IdempotencyRow, (scope, key))
        if stored is not None:
            if stored.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was used for another request", field=KEY_FIELD
                )
            return stored.status_code, stored.response, True
        record = IdempotencyRow(
            scope=scope,
            key=key,
            request_hash=request_hash,
            status_code=0,
            response={},
            created_at=ctx.now(),
        )
        try:
            with ctx.session.begin_nested():
                ctx.session.add(record)
                ctx.session.flush()
        except IntegrityError as error:
            raise _KeyTaken from error
        status, response = work(ctx)
        record.status_code = status
        record.response = response
        return status, response, False
