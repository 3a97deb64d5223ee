"""Runs the governance cycle as of an instant, once per instant.

All steps and the record of the run commit together. Asking again for an instant that has run
returns the stored run and changes nothing. The steps, and the order they run in, come from
the composition root (``families.py``); the cycle itself knows no domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopwarden.clock import ensure_aware
from shopwarden.context import Context, UnitOfWork
from shopwarden.cycle.registry import CycleStep
from shopwarden.cycle.tables import CycleRunRow
from shopwarden.errors import InvalidInput


@dataclass(frozen=True)
class CycleResult:
    as_of: datetime
    steps: list[dict[str, Any]]
    already_run: bool


def run_cycle(units: UnitOfWork, *, steps: Sequence[CycleStep], as_of: datetime) -> CycleResult:
    """Apply every step as of ``as_of`` in one unit of work, unless that instant has run."""
    as_of = ensure_aware(as_of)
    try:
        with units() as ctx:
            _check_instant(ctx, as_of)
            stored = ctx.session.scalar(select(CycleRunRow).where(CycleRunRow.as_of == as_of))
            if stored is not None:
                return CycleResult(as_of, stored.steps, already_run=True)
            reports = [
                {"step": step.name, "rules": list(step.rules), **step(ctx, as_of=as_of)}
                for step in steps
            ]
            ctx.session.add(
                CycleRunRow(as_of=as_of, status="done", steps=reports, recorded_at=ctx.now())
            )
            ctx.session.flush()
            return CycleResult(as_of, reports, already_run=False)
    except IntegrityError:
        # Another process ran the same instant meanwhile; its run stands.
        with units() as ctx:
            query = select(CycleRunRow).where(CycleRunRow.as_of == as_of)
            return CycleResult(as_of, ctx.session.scalars(query).one().steps, already_run=True)


def _check_instant(ctx: Context, as_of: datetime) -> None:
    """A cycle runs for a past or present instant under some platform policy."""
    platform = ctx.policies.versions("platform")
    if platform and as_of < platform[0].effective_from:
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is before the first platform policy, in force from "
            f"{platform[0].effective_from.isoformat()}; no rule applied then",
            field="as_of",
        )
    if as_of > ctx.now():
        raise InvalidInput(
            f"as_of {as_of.isoformat()} is in the future; "
            "a cycle runs for a past or present instant",
            field="as_of",
        )
