"""The CLI's one convention, walked over every command: help everywhere, ``--json`` everywhere
(one JSON document on stdout, nothing else), flags shown as flags, documented exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from shopwarden.cli import app
from shopwarden.cli.root import NO_JSON

RUNNER = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    return tmp_path


def commands(node: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    node = node or typer.main.get_command(app)
    children = getattr(node, "commands", None)
    if children is None:
        yield path
        return
    for name, child in sorted(children.items()):
        yield from commands(child, (*path, name))


EVERY_COMMAND = list(commands())


def test_the_walk_finds_every_family() -> None:
    groups = {path[0] for path in EVERY_COMMAND}
    assert {"deposit", "bnpl", "shipping", "violations", "trust", "report", "clock"} <= groups
    assert len(EVERY_COMMAND) > 60


@pytest.mark.parametrize("path", EVERY_COMMAND, ids=" ".join)
def test_every_command_has_help_and_json(path: tuple[str, ...]) -> None:
    result = RUNNER.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    summary = text.split("Usage:", 1)[1].split("╭", 1)[0].strip().splitlines()[1:]
    assert any(line.strip() for line in summary), f"{' '.join(path)} has no description"
    assert "<bool>" not in text, "a flag shown as taking a value"
    if path[-1] not in NO_JSON:
        assert "--json" in text


def test_every_option_says_what_it_is_for() -> None:
    missing = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        for param in node.params:
            if param.param_type_name == "option" and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
        for name, child in (getattr(node, "commands", None) or {}).items():
            walk(child, (*path, name))

    walk(typer.main.get_command(app), ())
    assert missing == []


READS = [
    ["clock", "show"],
    ["policy", "list"],
    ["policy", "show", "score", "2023-12-15"],
    ["policy", "diff", "score", "2023-12-15"],
    ["ledger", "verify"],
    ["ledger", "balance", "platform:bank"],
    ["cycle", "--as-of", "2024-03-01T00:00:00+08:00"],
    ["db", "upgrade"],
    ["deposit", "queue", "shortfalls"],
    ["shipping", "owed"],
    ["violations", "queue", "appeals"],
    ["token", "create", "--operator"],
]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_json_is_one_document_on_stdout(workspace: Path, args: list[str]) -> None:
    result = RUNNER.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # nothing else on stdout


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["score", "nosuch"], 2, "merchant_id"),
        (["deposit", "show", "nosuch"], 2, "merchant_id"),
        (["policy", "show", "score", "nosuch"], 2, None),
        (["clock", "advance", "1y"], 2, "by"),
        (["cycle", "--as-of", "2024-03-01T00:00:00"], 2, "as_of"),
    ],
)
def test_exit_codes_and_problem_documents(
    workspace: Path, args: list[str], code: int, field: str | None
) -> None:
    result = RUNNER.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    problem = json.loads(result.stdout)
    assert problem["detail"]
    if field:
        assert problem["field"] == field


def test_bad_usage_exits_2(workspace: Path) -> None:
    assert RUNNER.invoke(app, ["deposit", "show"]).exit_code == 2  # a missing argument
    assert RUNNER.invoke(app, ["no-such-command"]).exit_code == 2
