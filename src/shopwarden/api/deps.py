"""Request dependencies: the container, the caller's principal, the request's unit of work.

A request costs one transaction where it can: the bearer token is looked up inside the first
unit of work the endpoint opens, or, when the endpoint asks who is calling before that, in a
transaction the next unit of work continues. A GET only reads: on SQLite its transaction is a
deferred ``BEGIN`` and never queues behind the write lock. Every other method takes the write
lock when its unit of work begins (``BEGIN IMMEDIATE``), as the ledger requires (DEP-15); a
token asked for before that is looked up in a short read of its own, because the endpoint may
then do its work through another transaction (the cycle), which would wait on ours.

Everything touching the database runs on the endpoint's thread: nothing is held open across the
thread pool's hops, so a full pool never waits on itself. The dependencies themselves are
``async``: they do no I/O, and a sync one would cost a hop through the pool each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shopwarden.auth.service import Identity, Principal, authenticate
from shopwarden.bootstrap import Container
from shopwarden.context import Context
from shopwarden.errors import Forbidden, NotFound, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="A token from `shopwarden token create`.")

READ_METHODS = frozenset({"GET", "HEAD"})


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


class RequestUnits:
    """The request's units of work: ``with units() as ctx:``; each commits at its end.

    The first continues the transaction the token was looked up in, if one is open.
    """

    def __init__(self, container: Container, *, read_only: bool) -> None:
        self._container = container
        self._read_only = read_only
        self._token: str | None = None
        self._identity: Identity | None = None
        self._open: tuple[ExitStack, Session] | None = None

    def __call__(self) -> AbstractContextManager[Context]:
        return self._unit()

    @contextmanager
    def _unit(self) -> Iterator[Context]:
        stack, session = self._open or self._begin(self._read_only)
        self._open = None
        with stack:
            if self._token is not None and self._identity is None:
                self._identity = authenticate(session, self._token)
            yield self._container.context(session)

    def principal(self, token: str) -> Principal:
        """The caller, identified by ``token`` when first asked (in a unit of work if one is
        open, else now)."""
        self._token = token
        return Principal(self.identify)

    def identify(self) -> Identity:
        """Look the token up: in a GET's transaction, kept for its next unit of work; else in a
        short read of its own (a write's unit of work takes the write lock when it begins)."""
        if self._identity is None:
            if self._read_only:
                self._open = self._open or self._begin(read_only=True)
                try:
                    self._identity = authenticate(self._open[1], self._require_token())
                except BaseException as error:
                    self.close(error)
                    raise
            else:
                self.check_token()
        assert self._identity is not None
        return self._identity

    def check_token(self) -> None:
        """Look the token up in a short read of its own, if no one did yet."""
        if self._identity is None:
            with self._container.db.transaction(read_only=True) as session:
                self._identity = authenticate(session, self._require_token())

    def _require_token(self) -> str:
        if self._token is None:
            raise Unauthorized("send Authorization: Bearer <token>", field="Authorization")
        return self._token

    @property
    def identified(self) -> bool:
        return self._identity is not None or self._token is None

    def _begin(self, read_only: bool) -> tuple[ExitStack, Session]:
        stack = ExitStack()
        session = stack.enter_context(self._container.db.transaction(read_only=read_only))
        return stack, session

    def close(self, error: BaseException | None = None) -> None:
        """End a transaction opened to look the token up that no unit of work continued;
        rolled back (it only read)."""
        if self._open is not None:
            stack, _ = self._open
            self._open = None
            reason = error or _Unused()
            stack.__exit__(type(reason), reason, reason.__traceback__)


class _Unused(Exception):
    """Thrown into a transaction nothing continued, so that it rolls back."""


async def request_units(request: Request, container: ContainerDep) -> AsyncIterator[RequestUnits]:
    """The request's :class:`RequestUnits`. A transaction left open only ever read, so it is
    ended here, on the event loop. A token the endpoint never asked about is checked here, and
    a request that failed before asking answers 401 if its token is bad, as when the token was
    looked up before anything else."""
    units = RequestUnits(container, read_only=request.method in READ_METHODS)
    try:
        yield units
    except BaseException as error:
        units.close(error)
        if not units.identified and not isinstance(error, Unauthorized):
            await run_in_threadpool(units.check_token)
        raise
    units.close()
    if not units.identified:
        await run_in_threadpool(units.check_token)


UnitsDep = Annotated[RequestUnits, Depends(request_units, scope="function")]


async def get_principal(
    units: UnitsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send Authorization: Bearer <token>", field="Authorization")
    return units.principal(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise Forbidden("only an operator may do this", field="Authorization")


def require_visible(principal: Principal, merchant_id: str | None, what: str) -> None:
    """Another merchant's resource answers 404, as if it did not exist."""
    if not principal.can_see(merchant_id):
        raise NotFound(f"no {what}")


def merchant_filter(principal: Principal, merchant_id: str | None, what: str) -> str | None:
    """The merchant a list is limited to: what an operator asks for (None: all of them), a
    merchant's own whatever it asks; asking for another merchant's answers 404."""
    if principal.is_operator:
        return merchant_id
    require_visible(principal, merchant_id or principal.merchant_id, what)
    return principal.merchant_id
