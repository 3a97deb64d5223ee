"""``shopwarden demo``: a deterministic synthetic marketplace, governed day by day.

Each domain adds its part here. The foundation seeds merchants and products across the
category tree, opens their wallets, moves a month of sales proceeds, fees and holds through the
ledger, runs the governance cycle every day, and verifies the ledger at the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select

from shopwarden.bootstrap import Container, bootstrap
from shopwarden.clock import SimulatedClock
from shopwarden.demo.bnpl import BnplDemo
from shopwarden.demo.deposits import run_deposits_part
from shopwarden.demo.reports import run_reports_part
from shopwarden.demo.scoring import generate_score_facts, score_summary
from shopwarden.demo.shipping import ShippingDemo
from shopwarden.demo.trading import Tally, seed_catalog, trade_one_day
from shopwarden.demo.trust import run_trust_part
from shopwarden.demo.violations import run_violations_part
from shopwarden.ledger.tables import EntryRow, TransactionRow
from shopwarden.ledger.verify import verify_ledger
from shopwarden.metrics.engines import sharing_engines
from shopwarden.settings import Settings
from shopwarden.workspace_clock import CLOCK_FILE, WorkspaceClock

DEMO_START = datetime.fromisoformat("2024-03-01T00:00:00+08:00")


@dataclass
class DemoSummary(Tally):  # merchants, products, holds posted / voided, refused: the trading's
    transactions: int = 0
    postings: int = 0
    cycles: int = 0
    ledger_mismatches: int = 0
    policies: dict[str, str] = field(default_factory=dict)
    deposits: dict[str, str] = field(default_factory=dict)  # issue 4's part
    score: dict[str, str] = field(default_factory=dict)  # issue 5's part
    bnpl: dict[str, str] = field(default_factory=dict)  # issue 6's part
    shipping: dict[str, str] = field(default_factory=dict)  # issue 12's first half
    violations: dict[str, str] = field(default_factory=dict)  # issue 12's part
    trust: dict[str, str] = field(default_factory=dict)  # issue 13: trust purchase
    reports: dict[str, str] = field(default_factory=dict)  # issue 13: campaign reports


def run_demo(
    *, home: Path, seed: int, merchants: int, days: int, console: Console
) -> tuple[Container, DemoSummary]:
    # Every cycle asks the same facts: through one kept DuckDB engine, not one per question.
    with sharing_engines():
        return _run_demo(home=home, seed=seed, merchants=merchants, days=days, console=console)


def _run_demo(
    *, home: Path, seed: int, merchants: int, days: int, console: Console
) -> tuple[Container, DemoSummary]:
    database = home / "shopwarden.db"
    for leftover in ("shopwarden.db", "shopwarden.db-wal", "shopwarden.db-shm", CLOCK_FILE):
        (home / leftover).unlink(missing_ok=True)
    clock = SimulatedClock(DEMO_START)
    container = bootstrap(
        Settings(home=home, database_url=f"sqlite:///{database.resolve()}"), clock=clock
    )
    rng = random.Random(seed)
    summary = DemoSummary()
    leaves = [
        c.code
        for c in container.categories.categories
        if not container.categories.descendants(c.code)
    ]
    with Progress(console=console, transient=False) as progress:
        seeding = progress.add_task("Seeding merchants and products", total=merchants)
        ids = seed_catalog(
            container, rng, merchants, leaves, summary, lambda: progress.advance(seeding)
        )
        generate_score_facts(container, seed)  # issue 5: the order facts the score reads
        bnpl = BnplDemo(container, seed, ids)  # issue 6: BNPL, enabled before trading
        bnpl.setup()
        shipping = ShippingDemo(container, seed)  # issue 12: high-volume stores and facts
        shipping.setup()
        trading = progress.add_task("Trading and governing, day by day", total=days)
        for day in range(days):
            clock.advance_to(DEMO_START + timedelta(days=day, hours=21))
            trade_one_day(container, rng, ids, summary)
            bnpl.trade_one_day()  # issue 6
            shipping.trade_one_day()  # issue 12: overdue shipments reported
            clock.advance_to(DEMO_START + timedelta(days=day + 1))
            container.run_cycle(clock.now())
            summary.cycles += 1
            progress.advance(trading)
    summary.deposits = run_deposits_part(container, clock, rng, ids)
    summary.bnpl = bnpl.finish()  # issue 6's part: March's invoices, now that March is over
    summary.score = score_summary(container)  # issue 5's part
    summary.shipping = shipping.finish()  # issue 12: exemptions granted, used, lapsed
    summary.violations = run_violations_part(container, clock, ids)  # issue 12's part
    summary.trust = run_trust_part(container, seed)  # issue 13: rights, badges, look-up
    summary.reports = run_reports_part(container, seed)  # issue 13: the seed's campaign report
    _finish(container, summary)
    # The workspace keeps the demo's instant: serve and every command see what the demo left.
    WorkspaceClock(home).set(clock.now())
    return container, summary


def _finish(container: Container, summary: DemoSummary) -> None:
    with container.db.transaction() as session:
        summary.transactions = session.scalar(select(func.count()).select_from(TransactionRow)) or 0
        summary.postings = session.scalar(select(func.count()).select_from(EntryRow)) or 0
        summary.ledger_mismatches = len(verify_ledger(session))
    for family in container.policies.families():
        summary.policies[family] = container.policies.in_force(
            family, container.clock.now()
        ).version


def summary_table(summary: DemoSummary) -> Table:
    table = Table(title="shopwarden demo", show_lines=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [
        ("merchants", summary.merchants),
        ("products", summary.products),
        ("ledger transactions", summary.transactions),
        ("ledger postings", summary.postings),
        ("holds posted / voided", f"{summary.holds_posted} / {summary.holds_voided}"),
        ("holds refused (funds short)", summary.refused),
        ("governance cycles run", summary.cycles),
        (
            "ledger verify",
            "OK" if summary.ledger_mismatches == 0 else f"{summary.ledger_mismatches} mismatches",
        ),
    ]
    rows += list(summary.deposits.items())
    rows += list(summary.score.items())
    rows += list(summary.bnpl.items())
    rows += list(summary.shipping.items())
    rows += list(summary.violations.items())
    rows += list(summary.trust.items())
    rows += list(summary.reports.items())
    rows += [
        (f"policy in force: {family}", version) for family, version in summary.policies.items()
    ]
    for what, value in rows:
        table.add_row(what, str(value))
    return table
