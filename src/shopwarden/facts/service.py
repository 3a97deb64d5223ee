"""Use cases of the facts store: generate a marketplace into it, and the record of batches.

Every batch (an ingested file, a generator run) is recorded once in ``fact_ingests``; the same
file or the same generator arguments again change nothing. The record also keeps the facts
folder, which is how the governance cycle (it sees only the database) finds the facts.

A batch writes files for minutes, so it is given what it needs explicitly: a unit of work
(``units``) to open for each short look at the record, and the facts folder (``root``) it
writes into; no transaction stays open while files are written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import select

from shopwarden.context import Context, UnitOfWork
from shopwarden.facts.generator import (
    ProductSpec,
    build_marketplace,
    day_counts,
    generate_day,
    plan_days,
    run_id,
)
from shopwarden.facts.report_columns import day_sessions
from shopwarden.facts.sessions_storage import write_sessions
from shopwarden.facts.storage import DayWriter, writer_lock
from shopwarden.facts.tables import FactIngestRow

DEFAULT_START = date(2024, 1, 1)


@dataclass
class BatchReport:
    """What one batch did; ``already_done`` says it had been done before and nothing changed."""

    batch: str
    source: str
    file_format: str
    rows: int = 0
    accepted: int = 0
    already_stored: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    days: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    already_done: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "source": self.source,
            "format": self.file_format,
            "rows": self.rows,
            "accepted": self.accepted,
            "already_stored": self.already_stored,
            "quarantined": self.quarantined,
            "reasons": dict(self.reasons),
            "days": list(self.days),
            "quarantine_file": self.quarantine_file,
            "already_ingested": self.already_done,
        }


def find_batch(ctx: Context, *, sha256: str) -> BatchReport | None:
    """The report of the batch with this content hash, if it was done before."""
    row = ctx.session.scalar(select(FactIngestRow).where(FactIngestRow.sha256 == sha256))
    if row is None:
        return None
    return BatchReport(
        batch=row.batch,
        source=row.source,
        file_format=row.file_format,
        rows=row.rows,
        accepted=row.accepted,
        already_stored=row.already_stored,
        quarantined=row.quarantined,
        reasons=dict(row.reasons),
        days=list(row.days),
        quarantine_file=row.quarantine_file,
        already_done=True,
    )


def record_batch(ctx: Context, *, report: BatchReport, sha256: str, root: Path) -> None:
    """Record a batch written into ``root``, so that the same batch again changes nothing."""
    ctx.session.add(
        FactIngestRow(
            batch=report.batch,
            source=report.source,
            sha256=sha256,
            file_format=report.file_format,
            facts_root=str(root.resolve()),
            rows=report.rows,
            accepted=report.accepted,
            already_stored=report.already_stored,
            quarantined=report.quarantined,
            reasons=report.reasons,
            days=report.days,
            quarantine_file=report.quarantine_file,
            ingested_at=ctx.now(),
        )
    )


def recorded_facts_root(ctx: Context) -> Path | None:
    """The facts folder this database's batches went into (the latest batch's)."""
    root = ctx.session.scalar(
        select(FactIngestRow.facts_root).order_by(FactIngestRow.id.desc()).limit(1)
    )
    return Path(root) if root else None


def generate_facts(
    units: UnitOfWork,
    *,
    root: Path,
    merchants: int,
    orders: int,
    days: int,
    seed: int,
    start: date = DEFAULT_START,
    catalog: Sequence[tuple[str, Sequence[ProductSpec]]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Write a synthetic marketplace's orders into the facts folder ``root``, once per arguments."""
    parameters = {"merchants": merchants, "orders": orders, "days": days, "seed": seed}
    parameters["start"] = start.isoformat()  # type: ignore[assignment]
    if catalog is not None:
        parameters["catalog"] = run_id(ids=[m for m, _ in catalog])  # type: ignore[assignment]
    batch = run_id(**parameters)
    source = "generator:" + ",".join(f"{k}={v}" for k, v in parameters.items())
    with units() as ctx:
        done = find_batch(ctx, sha256=f"generator:{batch}")
    if done is not None:
        return done
    report = BatchReport(batch=f"gen-{batch}", source=source, file_format="generated")
    with writer_lock(root):
        write_generated(
            root,
            report,
            merchants=merchants,
            orders=orders,
            days=days,
            seed=seed,
            start=start,
            catalog=catalog,
            progress=progress,
        )
    with units() as ctx:
        record_batch(ctx, report=report, sha256=f"generator:{batch}", root=root)
    return report


def write_generated(
    root: Path,
    report: BatchReport,
    *,
    merchants: int,
    orders: int,
    days: int,
    seed: int,
    start: date,
    catalog: Sequence[tuple[str, Sequence[ProductSpec]]] | None,
    progress: Callable[[int], None] | None,
) -> None:
    market = build_marketplace(merchants, seed, catalog)
    prefix = f"o{report.batch[-6:]}"
    first_order, sessions = 0, []
    for index, (day, count) in enumerate(
        zip(plan_days(start, days), day_counts(orders, days), strict=True)
    ):
        if count == 0:
            continue
        writer = DayWriter(root, day, report.batch)
        tables = generate_day(
            market,
            seed=seed,
            day_index=index,
            day=day,
            count=count,
            first_order=first_order,
            id_prefix=prefix,
            progress=progress,
        )
        for table in tables:
            writer.write(table)
        writer.close()
        sessions.append(day_sessions(tables))  # the broadcasts of the day's live orders
        first_order += count
        report.days.append(day.isoformat())
    if sessions:
        write_sessions(root, report.batch, pa.concat_tables(sessions))
    report.rows = report.accepted = orders
