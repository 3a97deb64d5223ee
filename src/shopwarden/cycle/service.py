"""Runs the governance cycle as of an instant, once per instant.

All steps and the record of the run commit together. Asking again for an instant that has run
returns the stored run and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopwarden.bootstrap import Container
from shopwarden.clock import ensure_aware
from shopwarden.cycle.registry import STEPS, StepContext
from shopwarden.cycle.tables import CycleRunRow
from shopwarden.errors import InvalidInput


@dataclass(frozen=True)
class CycleResult:
    as_of: datetime
    steps: list[dict[str, Any]]
    already_run: bool


def run_cycle(container: Container, as_of: datetime) -> CycleResult:
    as_of = ensure_aware(as_of)
    if as_of > container.clock.now():
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is in the future; "
            "a cycle runs for a past or present instant",
            field="as_of",
        )
    try:
        with container.db.transaction() as session:
            stored = session.scalar(select(CycleRunRow).where(CycleRunRow.as_of == as_of))
            if stored is not None:
                return CycleResult(as_of, stored.steps, already_run=True)
            context = StepContext(session, container.clock, container.policies, as_of)
            steps = [
                {"step": step.name, "rules": list(step.rules), **step.run(context)}
                for step in STEPS
            ]
            session.add(
                CycleRunRow(
                    as_of=as_of, status="done", steps=steps, recorded_at=container.clock.now()
                )
            )
            session.flush()
            return CycleResult(as_of, steps, already_run=False)
    except IntegrityError:
        # Another process ran the same instant meanwhile; its run stands.
        with container.db.transaction() as session:
            stored = session.scalars(select(CycleRunRow).where(CycleRunRow.as_of == as_of)).one()
            return CycleResult(as_of, stored.steps, already_run=True)


def load_steps() -> None:
    """Import the domains whose modules register cycle steps."""
    import shopwarden.bnpl.steps  # BNPL-2, 3, 7, 8; also subscribes the flag listener
    import shopwarden.cycle.builtin_steps  # noqa: F401
    from shopwarden.deposits import steps as _deposits  # noqa: F401  (DEP-2..14, activation)
    from shopwarden.scoring import cycle_steps as _scoring  # noqa: F401  (SCORE-5, SCORE-6)
