"""What every command shares: one container per command, and how an instant is typed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shopwarden.errors import InvalidInput

JSON_HELP = "Print one JSON document on stdout, nothing else."

if TYPE_CHECKING:
    from shopwarden.bootstrap import Container


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


def emit(document: Any, *, as_json: bool, title: str | None = None) -> None:
    """The one output convention: ``--json`` prints ``document`` as one JSON document on
    stdout; otherwise a readable Rich rendering of the same data (a key/value panel for a
    mapping, a table for a list of mappings)."""
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
        return
    from rich.console import Console

    Console().print(render(document, title=title))


def render(document: Any, *, title: str | None = None) -> Any:
    """A Rich renderable for plain data: nested values are shown compactly."""
    from rich.table import Table

    if isinstance(document, list) and all(isinstance(row, dict) for row in document):
        columns = list(dict.fromkeys(key for row in document for key in row))
        table = Table(*columns, title=title)
        for row in document:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        return table
    if isinstance(document, dict):
        table = Table("", "", title=title, show_header=False)
        for key, value in document.items():
            table.add_row(str(key), _cell(value))
        return table
    return _cell(document)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def shanghai_text(instant: datetime) -> str:
    """How an instant is printed: RFC 3339 with the Asia/Shanghai offset, the rules' zone."""
    from shopwarden.clock import SHANGHAI

    return instant.astimezone(SHANGHAI).isoformat()
