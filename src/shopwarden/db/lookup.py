"""Fetching one row by its key, or refusing with a ``NotFound`` that names the input."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from shopwarden.errors import NotFound

Row = TypeVar("Row")


def get_or_raise(session: Session, table: type[Row], key: Any, *, what: str, field: str) -> Row:
    """The row of ``table`` with primary key ``key``; 404 ``no <what> <key>`` otherwise."""
    row = session.get(table, key)
    if row is None:
        raise NotFound(f"no {what} {key}", field=field)
    return row


def locked_or_raise(session: Session, table: type[Row], key: Any, *, what: str, field: str) -> Row:
    """Like :func:`get_or_raise`, and locked for the rest of the unit of work (PostgreSQL)."""
    row = session.get(table, key, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"no {what} {key}", field=field)
    return row
