"""Runs the governance cycle as of an instant, once per instant.

All steps and the record of the run commit together. Asking again for an instant that has run
returns the stored run and changes nothing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopwarden.bootstrap import Container
from shopwarden.clock import ensure_aware
from shopwarden.cycle.registry import STEPS, CycleStep, StepContext
from shopwarden.cycle.tables import CycleRunRow
from shopwarden.errors import InvalidInput


@dataclass(frozen=True)
class CycleResult:
    as_of: datetime
    steps: list[dict[str, Any]]
    already_run: bool


def run_cycle(container: Container, as_of: datetime) -> CycleResult:
    as_of = ensure_aware(as_of)
    platform = container.policies.versions("platform")
    if platform and as_of < platform[0].effective_from:
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is before the first platform policy, in force from "
            f"{platform[0].effective_from.isoformat()}; no rule applied then",
            field="as_of",
        )
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
                for step in ordered_steps()
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


# The modules that register cycle steps, in the order their steps run. Deposits come first:
# their steps lock merchant rows before any ledger account, the order every money request
# takes too, so a cycle and a request cannot deadlock on PostgreSQL.
STEP_MODULES = (
    "shopwarden.cycle.builtin_steps",  # POL-1
    "shopwarden.deposits.steps",  # DEP-2..14
    "shopwarden.bnpl.steps",  # BNPL-2, 3, 7, 8; also subscribes the flag listener
    "shopwarden.scoring.cycle_steps",  # SCORE-5, SCORE-6
)


def load_steps() -> None:
    """Import the domains whose modules register cycle steps."""
    for module in STEP_MODULES:
        importlib.import_module(module)


def ordered_steps() -> list[CycleStep]:
    """Registered steps in :data:`STEP_MODULES` order, whatever order they were imported in."""
    rank = {module: position for position, module in enumerate(STEP_MODULES)}
    return sorted(STEPS, key=lambda step: rank.get(step.module, len(rank)))
