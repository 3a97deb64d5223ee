"""The workspace's clock: simulated or the wall clock, remembered, honoured by every command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.cli import app
from shopwarden.clock import ClockError
from shopwarden.errors import InvalidInput
from shopwarden.settings import Settings
from shopwarden.workspace_clock import WorkspaceClock, parse_duration

MARCH = datetime.fromisoformat("2024-03-01T00:00:00+08:00")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_a_new_workspace_follows_the_wall_clock(tmp_path: Path) -> None:
    clock = WorkspaceClock(tmp_path)
    assert clock.state().mode == "system"
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_simulated_instant_is_remembered_by_another_process_view(tmp_path: Path) -> None:
    WorkspaceClock(tmp_path).set(MARCH)
    other = WorkspaceClock(tmp_path)  # another command, or a server started later
    assert other.now() == MARCH
    WorkspaceClock(tmp_path).advance(timedelta(days=1))
    assert other.now() == MARCH + timedelta(days=1)  # a running server sees the change


def test_the_simulated_clock_moves_forward_only(tmp_path: Path) -> None:
    clock = WorkspaceClock(tmp_path)
    clock.set(MARCH)
    with pytest.raises(ClockError, match="forward only"):
        clock.set(MARCH - timedelta(seconds=1))
    assert clock.now() == MARCH


def test_back_to_the_wall_clock_is_refused_from_the_future(tmp_path: Path) -> None:
    clock = WorkspaceClock(tmp_path)
    clock.set(datetime.now(UTC) + timedelta(days=30))
    with pytest.raises(ClockError, match="after now"):
        clock.use_system()
    assert clock.state().mode == "simulated"


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "-1d", "1y", "1.5h", "9999999d"])
def test_a_duration_names_its_unit(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_duration(text)
    assert refused.value.field == "by"


def test_durations() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2w") == timedelta(days=14)


def test_bootstrap_reads_the_workspace_clock(workspace: Path) -> None:
    WorkspaceClock(workspace).set(MARCH)
    container = bootstrap(Settings(home=workspace))
    try:
        assert container.clock.now() == MARCH
    finally:
        container.close()


def test_clock_commands_show_set_advance_and_run_the_cycle(workspace: Path) -> None:
    code, out = run("clock", "show", "--json")
    assert code == 0 and json.loads(out)["mode"] == "system"
    code, out = run("clock", "set", "2024-03-01T00:00:00+08:00", "--json")
    assert code == 0 and json.loads(out) == {
        "mode": "simulated",
        "now": "2024-03-01T00:00:00+08:00",
    }
    code, out = run("clock", "advance", "2d", "--cycle", "--json")
    body = json.loads(out)
    assert code == 0 and body["now"] == "2024-03-03T00:00:00+08:00"
    assert body["cycles_run"] == ["2024-03-02T00:00:00+08:00", "2024-03-03T00:00:00+08:00"]
    code, out = run("cycle", "--json")  # as of the workspace clock: already run by advance
    assert code == 0 and json.loads(out)["as_of"] == "2024-03-03T00:00:00+08:00"
    assert json.loads(out)["already_run"] is True


def test_a_cycle_after_the_simulated_clock_is_refused_as_bad_input(workspace: Path) -> None:
    run("clock", "set", "2024-03-01T00:00:00+08:00")
    code, out = run("cycle", "--as-of", "2024-03-05T00:00:00+08:00", "--json")
    assert code == 2
    assert json.loads(out)["field"] == "as_of"


def test_going_back_is_refused_with_exit_2(workspace: Path) -> None:
    run("clock", "set", "2024-03-01T00:00:00+08:00")
    code, _ = run("clock", "set", "2024-02-01T00:00:00+08:00")
    assert code == 2
    assert WorkspaceClock(workspace).now() == MARCH


def test_home_option_selects_the_workspace(tmp_path: Path, workspace: Path) -> None:
    other = tmp_path / "other"
    code, _ = run("--home", str(other), "clock", "set", "2024-03-01T00:00:00+08:00")
    assert code == 0
    assert WorkspaceClock(other).now() == MARCH


def test_version() -> None:
    code, out = run("--version")
    assert code == 0 and out.startswith("shopwarden ")
