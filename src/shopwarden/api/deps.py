"""Request dependencies: the container, the caller's principal, a unit of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shopwarden.auth.service import Principal, authenticate
from shopwarden.bootstrap import Container
from shopwarden.context import UnitOfWork
from shopwarden.errors import Forbidden, NotFound, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="A token from `shopwarden token create`.")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_units(container: ContainerDep) -> UnitOfWork:
    """Opens a unit of work: ``with units() as ctx:``, one per request that changes state."""
    return container.unit_of_work


UnitsDep = Annotated[UnitOfWork, Depends(get_units)]


def get_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send Authorization: Bearer <token>", field="Authorization")
    with container.db.transaction() as session:
        return authenticate(session, credentials.credentials)


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
