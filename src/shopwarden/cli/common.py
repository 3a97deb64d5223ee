"""What every command shares: one container per command, and how an instant is typed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from shopwarden.errors import InvalidInput

Limit = Annotated[int, typer.Option(min=1, max=1000, help="At most this many rows.")]

if TYPE_CHECKING:
    from shopwarden.bootstrap import Container
    from shopwarden.context import Context


@contextmanager
def open_container(*, migrate: bool = True) -> Iterator[Container]:
    """The composition root's container for one command, closed when the command ends.

    Imported late so that ``shopwarden --help`` does not load every domain.
    """
    from shopwarden.bootstrap import bootstrap

    container = bootstrap(migrate=migrate)
    try:
        yield container
    finally:
        container.close()


def parse_instant(text: str, *, field: str) -> datetime:
    """An ISO 8601 instant with its offset (``2026-03-01T10:00:00+08:00``); naive is refused."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not an ISO instant", field=field) from error
    if instant.tzinfo is None:
        raise InvalidInput(f"{text!r} has no time zone, e.g. +08:00", field=field)
    return instant


@contextmanager
def unit_of_work() -> Iterator[Context]:
    """One command's unit of work on the workspace's container."""
    with open_container() as container, container.unit_of_work() as ctx:
        yield ctx
