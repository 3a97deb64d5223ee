"""How fast the ledger posts, against the fastest way to insert the same rows (DEP-15).

    python bench/ledger.py [--n 200000] [--batch 1000] [--backend sqlite|postgresql|both]
                           [--accounts 1000] [--pg-url URL]

For each backend, on a fresh database: opens ``--accounts`` flagged accounts funded from one
unflagged account, then posts N two-leg transfers, each with an idempotency key, in batches of
``--batch`` through ``Ledger.post_batch``, one ``db.transaction()`` per batch. That is the real
work: locks, idempotency look-ups, the no-negative check, transactions, entries, totals.

The baseline, in the same run, on a second fresh database with the same accounts: the same
transaction rows and 2N entry rows inserted with the DB-API cursor's ``executemany``, same batch
sizes, one commit per batch, rows prepared before the clock starts and ids given explicitly (so
the baseline is the bare cost of getting the rows in). Postings are entries: 2 per transfer.
The two take turns batch by batch, so that neither runs while the server writes out what the
other left behind (checkpoints, WAL), which would skew the ratio.

Targets (issue 3): ≥ 10,000 postings/s on PostgreSQL, and ≥ 50 % of the raw baseline.
Afterwards (not timed) ``verify_ledger`` runs on the ledger's database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.db.migrate import upgrade
from shopwarden.ledger.model import TransferRequest, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import EntryRow, TransactionRow
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money

DEFAULT_PG = os.environ.get(
    "SHOPWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FUNDING = "platform:funding"
NOW = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Timing:
    backend: str
    postings: int
    ledger_seconds: float
    raw_seconds: float
    verify: str

    def row(self) -> list[str]:
        ours, raw = self.postings / self.ledger_seconds, self.postings / self.raw_seconds
        return [
            self.backend,
            f"{self.postings:,}",
            f"{self.ledger_seconds:.2f}",
            f"{ours:,.0f}",
            f"{self.raw_seconds:.2f}",
            f"{raw:,.0f}",
            f"{ours / raw:.0%}",
            self.verify,
        ]


# databases -----------------------------------------------------------------------------
@contextmanager
def fresh_databases(backend: str, pg_url: str) -> Iterator[tuple[str, str]]:
    """Two migrated, empty databases (ledger, raw), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="shopwarden-bench-") as folder:
            urls = (
                f"sqlite:///{Path(folder) / 'ledger.db'}",
                f"sqlite:///{Path(folder) / 'raw.db'}",
            )
            for url in urls:
                upgrade(url)
            yield urls
        return
    names = (f"shopwarden_bench_{os.getpid()}", f"shopwarden_bench_{os.getpid()}_raw")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        server = make_url(pg_url)
        made = [server.set(database=n).render_as_string(hide_password=False) for n in names]
        for url in made:
            upgrade(url)
        yield made[0], made[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_accounts(db: Database, clock: SimulatedClock, accounts: int) -> list[str]:
    """Flagged accounts, each funded well beyond what the random transfers take from it."""
    codes = [f"merchant:m{i:05d}:wallet" for i in range(accounts)]
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account(FUNDING, purpose="funding", no_negative=False)
        for code in codes:
            ledger.open_account(code, purpose="wallet")
        ledger.post_many([transfer(FUNDING, code, Money(100_000_000), "fund") for code in codes])
    return codes


def transfers(codes: Sequence[str], n: int, seed: int) -> list[TransferRequest]:
    rng = random.Random(seed)
    requests = []
    for i in range(n):
        debit, credit = rng.sample(codes, 2)
        amount = Money(rng.randint(1, 10_000))
        requests.append(transfer(debit, credit, amount, f"order {i}", idempotency_key=f"bench-{i}"))
    return requests


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# the two runs ----------------------------------------------------------------------------
class LedgerRun:
    """The real work: each batch through ``Ledger.post_many`` in its own unit of work."""

    def __init__(self, db: Database, clock: SimulatedClock, batches: list[list[Any]]) -> None:
        self.db, self.clock, self.batches = db, clock, batches

    def write(self, i: int) -> None:
        with self.db.transaction() as session:
            Ledger(session, self.clock).post_batch(self.batches[i])

    def close(self) -> None:
        """Nothing held between batches."""


class RawRun:
    """The same rows, straight through the driver: no locks, no look-ups, no totals."""

    def __init__(self, db: Database, batches: list[list[TransferRequest]]) -> None:
        with db.transaction() as session:
            txn_id = int(session.scalar(select(func.max(TransactionRow.id))) or 0) + 1
            entry_id = int(session.scalar(select(func.max(EntryRow.id))) or 0) + 1
            ids = {
                code: i for code, i in session.execute(text("SELECT code, id FROM ledger_accounts"))
            }
        self.sqlite = db.dialect == "sqlite"
        mark = "?" if self.sqlite else "%s"
        now: Any = NOW.replace(tzinfo=None).isoformat(sep=" ") if self.sqlite else NOW
        self.txn_sql = (
            "INSERT INTO ledger_transactions (id, kind, status, hold_id, description,"
            " idempotency_key, request_hash, details, effective_at, recorded_at, resolved_at)"
            f" VALUES ({', '.join([mark] * 11)})"
        )
        self.entry_sql = (
            "INSERT INTO ledger_entries (id, transaction_id, account_id, amount, pending,"
            f" effective_at, recorded_at) VALUES ({', '.join([mark] * 7)})"
        )
        self.prepared = []
        for batch in batches:
            txns, entries = [], []
            for r in batch:
                txns.append(
                    (txn_id, "transfer", "posted", None, r.description, r.idempotency_key,
                     r.fingerprint(), json.dumps(r.details), now, now, None)
                )  # fmt: skip
                for p in r.postings:
                    entries.append(
                        (entry_id, txn_id, ids[p.account], p.amount.cents, False, now, now)
                    )
                    entry_id += 1
                txn_id += 1
            self.prepared.append((txns, entries))
        self.connection = db.engine.raw_connection()
        self.cursor = self.connection.cursor()

    def write(self, i: int) -> None:
        txns, entries = self.prepared[i]
        if self.sqlite:  # the engine leaves sqlite3 in autocommit; one transaction per batch
            self.cursor.execute("BEGIN")
        self.cursor.executemany(self.txn_sql, txns)
        self.cursor.executemany(self.entry_sql, entries)
        self.connection.commit()

    def close(self) -> None:
        self.cursor.close()
        self.connection.close()


def take_turns(runs: Sequence[LedgerRun | RawRun], count: int) -> list[float]:
    """Seconds each run spends on its batches. The runs take turns batch by batch, and who
    goes first alternates, so both meet the same server conditions (cache, checkpoints)."""
    seconds = [0.0] * len(runs)
    for i in range(count):
        order = range(len(runs)) if i % 2 == 0 else reversed(range(len(runs)))
        for k in order:
            started = time.perf_counter()
            runs[k].write(i)
            seconds[k] += time.perf_counter() - started
    return seconds


def bench(backend: str, n: int, size: int, accounts: int, pg_url: str) -> Timing:
    with fresh_databases(backend, pg_url) as (ledger_url, raw_url):
        dbs = Database(ledger_url), Database(raw_url)
        try:
            clock = SimulatedClock(NOW)
            codes = open_accounts(dbs[0], clock, accounts)
            open_accounts(dbs[1], clock, accounts)
            chunks = [list(b) for b in batches(transfers(codes, n, seed=15), size)]
            runs = LedgerRun(dbs[0], clock, chunks), RawRun(dbs[1], chunks)
            try:
                ours, raw = take_turns(runs, len(chunks))
            finally:
                for run in runs:
                    run.close()
            with dbs[0].transaction() as session:
                mismatches = verify_ledger(session)
                stored = session.scalar(select(func.count()).select_from(EntryRow))
            assert stored == 2 * n + 2 * accounts, f"{stored} entries stored"
            verdict = "OK" if not mismatches else f"{len(mismatches)} mismatches"
        finally:
            for db in dbs:
                db.dispose()
    return Timing(backend, 2 * n, ours, raw, verdict)


def print_table(timings: list[Timing]) -> None:
    header = ["backend", "postings", "ledger s", "ledger post/s", "raw s", "raw post/s",
              "ledger/raw", "verify"]  # fmt: skip
    rows = [header, *(t.row() for t in timings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="two-leg transfers to post")
    parser.add_argument("--batch", type=int, default=1_000, help="transfers per transaction")
    parser.add_argument("--accounts", type=int, default=1_000, help="flagged accounts")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL server to create in")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    timings = [bench(b, args.n, args.batch, args.accounts, args.pg_url) for b in backends]
    print(
        f"N = {args.n:,} two-leg transfers, batches of {args.batch:,}, {args.accounts:,} accounts"
    )
    print_table(timings)
    return 0 if all(t.verify == "OK" for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
