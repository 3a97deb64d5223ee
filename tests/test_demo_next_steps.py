"""The demo's next steps work as printed: on the same workspace, with the same clock (issue 15)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from typer.testing import CliRunner

from shopwarden.cli import app


def test_every_printed_next_command_works_on_the_demos_workspace(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    home = tmp_path / "demo"
    demo = runner.invoke(
        app,
        ["demo", "--merchants", "12", "--days", "3", "--seed", "3", "--home", str(home), "--json"],
    )
    assert demo.exit_code == 0, demo.output
    document = json.loads(demo.stdout)
    assert document["workspace"] == str(home)
    assert document["worth_a_look"], "the demo names merchants worth a look"
    commands = [line.split("#")[0].strip() for line in document["next"]]
    assert any(" score " in c for c in commands) and any(
        c.endswith(" serve --port 8000") for c in commands
    )
    clock = None
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "shopwarden"
        if "serve" in args:
            continue  # runs until stopped; its workspace option is the same as the others'
        result = runner.invoke(app, [*args[1:], "--json"])
        assert result.exit_code == 0, (command, result.output)
        body = json.loads(result.stdout)
        if args[-1] == "show" and args[-2] == "clock":
            clock = body
    assert clock == {"mode": "simulated", "now": document["clock"]}  # the demo's own instant
