"""Where the demo leads: a few merchants worth a look and the exact commands to look at them.

Each highlight is found in the final state (not remembered from the run), so what is printed
is what ``serve`` and the CLI will show on the same workspace and the same clock.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shopwarden.bnpl.tables import ProductFlagRow
from shopwarden.bootstrap import Container
from shopwarden.deposits.tables import ObligationRow
from shopwarden.scoring.tables import ScoreSnapshotRow
from shopwarden.shipping.tables import ExemptionRow
from shopwarden.violations.tables import MeasureRow


@dataclass(frozen=True, slots=True)
class Highlight:
    merchant_id: str
    why: str
    command: str  # the CLI subcommand that shows it, without the workspace option


def _first(session: Session, query: Select[Any]) -> str | None:
    return session.scalars(query.limit(1)).first()


def _shielded(session: Session) -> str | None:
    return _first(
        session,
        select(ObligationRow.merchant_id)
        .where(ObligationRow.shielded_at.is_not(None))
        .order_by(ObligationRow.shield_lifted_at.is_not(None), ObligationRow.id),
    )


def _exempt(session: Session) -> str | None:
    return _first(
        session,
        select(ExemptionRow.merchant_id)
        .where(ExemptionRow.granted > 0)
        .order_by(ExemptionRow.used.desc(), ExemptionRow.week_start.desc()),
    )


def _bnpl_refused(session: Session) -> str | None:
    return _first(
        session,
        select(ProductFlagRow.merchant_id)
        .where(ProductFlagRow.eligible.is_(False))
        .order_by(ProductFlagRow.merchant_id),
    )


def _under_measure(session: Session) -> str | None:
    return _first(session, select(MeasureRow.merchant_id).order_by(MeasureRow.id))


def _excellent(session: Session) -> str | None:
    last = select(ScoreSnapshotRow.day).order_by(ScoreSnapshotRow.day.desc()).limit(1)
    return _first(
        session,
        select(ScoreSnapshotRow.merchant_id)
        .where(ScoreSnapshotRow.day == last.scalar_subquery())
        .where(ScoreSnapshotRow.score_hundredths.is_not(None))
        .order_by(ScoreSnapshotRow.score_hundredths.desc(), ScoreSnapshotRow.merchant_id),
    )


FINDERS: tuple[tuple[Callable[[Session], str | None], str, str], ...] = (
    (_excellent, "the best experience score on the last day", "score {m}"),
    (_shielded, "its store was shielded for an unpaid deposit top-up (DEP-5)", "deposit show {m}"),
    (_exempt, "earned the weekly late-shipment exemption (SHIP-3)", "shipping status {m}"),
    (_bnpl_refused, "has products BNPL refuses (BNPL-2)", "bnpl status {m}"),
    (_under_measure, "was put under a violation measure (VIO-1)", "violations status {m}"),
)


def find_highlights(container: Container) -> list[Highlight]:
    found = []
    with container.unit_of_work() as ctx:
        for finder, why, command in FINDERS:
            merchant = finder(ctx.session)
            if merchant is not None:
                found.append(Highlight(merchant, why, command.format(m=merchant)))
    return found


def next_commands(home: Path, highlights: list[Highlight], *, port: int = 8000) -> list[str]:
    """The commands to run next, exactly as they work from the current directory."""
    workspace = f"--home {shlex.quote(str(home))}"
    lines = [f"shopwarden {workspace} {h.command}" for h in highlights]
    lines += [
        f"shopwarden {workspace} clock show",
        f"shopwarden {workspace} serve --port {port}   # API: http://127.0.0.1:{port}/docs",
    ]
    return lines
