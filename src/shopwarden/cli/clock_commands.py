"""``shopwarden clock ...``: the workspace's clock, simulated or the wall clock.

A workspace made by ``shopwarden demo`` stands at the demo's last instant; ``serve``, ``cycle``
and every command read the time from here, so the same data looks the same everywhere.
``advance --cycle`` also runs the governance cycle at every Shanghai midnight it passes, as the
daily job would have.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

import typer

from shopwarden.cli.common import open_container, parse_instant
from shopwarden.cli.output import JSON_HELP, emit
from shopwarden.clock import SHANGHAI, shanghai_text
from shopwarden.workspace_clock import ClockState, WorkspaceClock, parse_duration

clock_app = typer.Typer(
    help="The workspace's clock: show it, simulate an instant, advance it.",
    no_args_is_help=True,
)


def _clock() -> WorkspaceClock:
    from shopwarden.settings import Settings

    return WorkspaceClock(Settings().home)


def _document(state: ClockState, now: datetime, cycles: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": state.mode, "now": shanghai_text(now)}
    if cycles is not None:
        body["cycles_run"] = cycles
    return body


JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@clock_app.command("show")
def show(as_json: JsonFlag = False) -> None:
    """Whether the clock is simulated and where it stands."""
    clock = _clock()
    emit(_document(clock.state(), clock.now()), as_json=as_json, title="clock")


@clock_app.command("set")
def set_clock(
    instant: Annotated[
        str, typer.Argument(help="ISO instant with its zone, e.g. 2024-04-01T00:00:00+08:00.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Simulate an instant (forward only: decisions already recorded keep their order)."""
    clock = _clock()
    state = clock.set(parse_instant(instant, field="instant"))
    emit(_document(state, clock.now()), as_json=as_json, title="clock")


@clock_app.command("advance")
def advance(
    by: Annotated[str, typer.Argument(help="How far: 30m, 6h, 1d, 2w.")],
    run_cycle: Annotated[
        bool, typer.Option("--cycle", help="Run the governance cycle at each midnight passed.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Move a simulated clock forward (a wall clock is made simulated at now first)."""
    clock = _clock()
    start = clock.now()
    target = start + parse_duration(by)
    cycles: list[str] = []
    if run_cycle:
        with open_container() as container:
            for midnight in _midnights(start, target):
                clock.set(midnight)
                container.run_cycle(midnight)
                cycles.append(midnight.isoformat())
    state = clock.set(target)
    emit(
        _document(state, clock.now(), cycles if run_cycle else None), as_json=as_json, title="clock"
    )


@clock_app.command("system")
def system(as_json: JsonFlag = False) -> None:
    """Follow the wall clock again (refused while the simulated instant is after now)."""
    clock = _clock()
    emit(_document(clock.use_system(), clock.now()), as_json=as_json, title="clock")


def _midnights(start: datetime, end: datetime) -> list[datetime]:
    """Every Asia/Shanghai midnight in (start, end]."""
    day = start.astimezone(SHANGHAI).date() + timedelta(days=1)
    found = []
    while (midnight := datetime.combine(day, time(0), tzinfo=SHANGHAI)) <= end:
        found.append(midnight)
        day += timedelta(days=1)
    return found
