"""The CLI's one output convention.

By default a command prints a readable Rich rendering; with ``--json`` (an option every command
has) it prints its answer as one JSON document on stdout and nothing else: remarks meant for a
person (``note``) go to stderr then. The same data either way: the JSON is the document, the
table is drawn from it.
"""

from __future__ import annotations

import json
from typing import Any

JSON_HELP = "Print one JSON document on stdout, nothing else."


class _Mode:
    json = False


MODE = _Mode()


def set_json(value: bool) -> None:
    """Called by every command's ``--json`` option (see ``cli/root.py``)."""
    MODE.json = MODE.json or value


def jsonable(document: Any) -> Any:
    """Pydantic models, dataclasses, instants and decimals as plain JSON values."""
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(document)


def emit(document: Any, *, as_json: bool | None = None, title: str | None = None) -> None:
    """Print ``document``: one JSON document with ``--json``, else a table of it."""
    document = jsonable(document)
    if MODE.json if as_json is None else as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2, default=str))
        return
    from rich.console import Console

    Console().print(render(document, title=title))


def note(text: str) -> None:
    """A remark for a person: on stdout in a table's company, on stderr beside JSON."""
    from rich.console import Console

    Console(stderr=MODE.json).print(text, markup=False, highlight=False)


def render(document: Any, *, title: str | None = None) -> Any:
    """A Rich renderable for plain data: a table per list of rows, key/value for a mapping."""
    from rich.console import Group
    from rich.table import Table

    if _rows(document):
        columns = list(dict.fromkeys(key for row in document for key in row))
        table = Table(title=title)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in document:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        return table
    if isinstance(document, dict):
        table = Table(title=title, show_header=False)
        table.add_column(overflow="fold")
        table.add_column(overflow="fold")
        nested = []
        for key, value in document.items():
            if _rows(value) and value:
                nested.append(render(value, title=str(key)))
            else:
                table.add_row(str(key), _cell(value))
        return Group(table, *nested) if nested else table
    return _cell(document)


def _rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, dict) for row in value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
