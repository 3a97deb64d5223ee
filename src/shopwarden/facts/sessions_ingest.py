"""Ingest a live-sessions file (``shopwarden ingest`` routes it here by its header).

The same quarantine rules as the orders (``ingest.py``): every row is checked, a bad row is set
aside in a quarantine CSV with its reason, the good rows go through; the same file twice changes
nothing, a row identical to a stored one is ``already_stored``, a stored session with other
facts is ``conflicts_with_stored``. Sessions are few (one per broadcast), so they are stored one
file per batch: ``<home>/facts/live_sessions/<batch>.parquet``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import UnitOfWork
from shopwarden.errors import InvalidInput
from shopwarden.facts.service import BatchReport
from shopwarden.facts.sessions_model import (
    MAX_SESSION_SECONDS,
    SESSION_COLUMN_NAMES,
    SESSION_COLUMNS,
    SESSION_CROSS_CHECKS,
    SESSION_REQUIRED,
    is_sessions_header,
)
from shopwarden.facts.sessions_storage import (
    SESSIONS_SCHEMA,
    session_files,
    sessions_glob,
    write_sessions,
)
from shopwarden.facts.storage import writer_lock
from shopwarden.facts.text_files import csv_header, read_as_text, set_aside
from shopwarden.facts.validation import (
    Check,
    _bad_identifier,
    _cross_check,
    _missing,
    _parse,
    _q,
    _ranges,
    _unparsed,
)


def _checks() -> list[Check]:
    found = [_missing(c) for c in SESSION_COLUMNS]
    for column in SESSION_COLUMNS:
        found += _unparsed(column)
    found += [_bad_identifier(c) for c in SESSION_COLUMNS if c.kind == "id"]
    for column in SESSION_COLUMNS:
        found += _ranges(column)
    found += [_cross_check(check) for check in SESSION_CROSS_CHECKS]
    found.append(
        (
            f"epoch(ended_at) - epoch(started_at) > {MAX_SESSION_SECONDS}",
            "too_long",
            f"{_q('the session lasts more than 48 hours: ')} || r_started_at || ' to ' "
            "|| r_ended_at",
        )
    )
    found.append(
        (
            "check_merchants AND known IS NULL",
            "unknown_merchant",
            "'no merchant ' || merchant_id || ' in the catalog'",
        )
    )
    return found


def checked_sessions_sql() -> str:
    """``checked``: typed rows, their first failing check, duplicates and stored conflicts."""
    typed = ", ".join(
        f'"{c.name}" AS "r_{c.name}", {_parse(c)} AS "{c.name}"' for c in SESSION_COLUMNS
    )
    checks = _checks()
    reason = " ".join(f"WHEN {cond} THEN {_q(code)}" for cond, code, _ in checks)
    detail = " ".join(f"WHEN {cond} THEN {text}" for cond, _, text in checks)
    differs = " OR ".join(f's."{n}" IS DISTINCT FROM c."{n}"' for n in SESSION_COLUMN_NAMES)
    return f"""
WITH typed AS (SELECT _row, {typed} FROM raw),
joined AS (
  SELECT t.*, refs.check_merchants, km.merchant_id AS known
  FROM typed t CROSS JOIN refs LEFT JOIN known_merchants km ON km.merchant_id = t.merchant_id
),
first_reason AS (
  SELECT * EXCLUDE (check_merchants, known), CASE {reason} END AS reason,
    CASE {detail} END AS detail FROM joined
),
ranked AS (
  SELECT *, min(_row) OVER (PARTITION BY session_id, reason IS NULL) AS first_row
  FROM first_reason
)
SELECT c.* EXCLUDE (reason, detail, first_row),
  CASE WHEN c.reason IS NOT NULL THEN c.reason
    WHEN c.first_row < c._row THEN 'duplicate_in_file'
    WHEN s.session_id IS NOT NULL AND ({differs}) THEN 'conflicts_with_stored' END AS reason,
  CASE WHEN c.reason IS NOT NULL THEN c.detail
    WHEN c.first_row < c._row
      THEN 'session ' || c.session_id || ' first appears at row ' || c.first_row
    WHEN s.session_id IS NOT NULL AND ({differs})
      THEN 'session ' || c.session_id || ' is stored with other facts' END AS detail,
  c.reason IS NULL AND c.first_row = c._row AND s.session_id IS NOT NULL AND NOT ({differs})
    AS already_stored
FROM ranked c LEFT JOIN stored s ON s.session_id = c.session_id
"""


def ingest_sessions(
    units: UnitOfWork, *, root: Path, raw: pa.Table, source: str, stem: str, file_format: str
) -> BatchReport:
    """Check ``raw`` (every column as text, plus ``_row``) and store its good sessions."""
    report = BatchReport(
        batch=f"ses-{uuid.uuid4().hex[:16]}", source=source, file_format=file_format
    )
    with units() as ctx:
        merchants = list(ctx.session.scalars(select(MerchantRow.id)))
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("raw", raw)
        con.register("known_merchants", pa.table({"merchant_id": pa.array(merchants, pa.string())}))
        con.register("refs", pa.table({"check_merchants": [bool(merchants)]}))
        with writer_lock(root):
            _register_stored(con, root)
            con.execute(f"CREATE TEMP TABLE checked AS {checked_sessions_sql()}")
            _write(con, root, report, stem)
    finally:
        con.close()
    report.rows = raw.num_rows
    return report


def _register_stored(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    if session_files(root):
        glob = sessions_glob(root).replace("'", "''")
        con.execute(f"CREATE TEMP TABLE stored AS SELECT * FROM read_parquet('{glob}')")
    else:
        con.register("stored_empty", SESSIONS_SCHEMA.empty_table())
        con.execute("CREATE TEMP TABLE stored AS SELECT * FROM stored_empty")


def _write(con: duckdb.DuckDBPyConnection, root: Path, report: BatchReport, stem: str) -> None:
    names = ", ".join(f'"{n}"' for n in SESSION_COLUMN_NAMES)
    accepted = con.sql(
        f"SELECT {names} FROM checked WHERE reason IS NULL AND NOT already_stored ORDER BY _row"
    ).to_arrow_table()
    stored_again = con.execute("SELECT count(*) FROM checked WHERE already_stored").fetchall()
    report.already_stored = int(stored_again[0][0])
    report.accepted = accepted.num_rows
    if accepted.num_rows:
        write_sessions(root, report.batch, accepted)
    raw_names = ", ".join(f'"r_{n}" AS "{n}"' for n in SESSION_COLUMN_NAMES)
    bad = con.sql(
        f"SELECT _row AS source_row, reason, detail, {raw_names} FROM checked "
        "WHERE reason IS NOT NULL ORDER BY _row"
    ).to_arrow_table()
    set_aside(root, report, bad, stem)


def is_sessions_file(path: Path, file_format: str) -> bool:
    """A file whose header names ``session_id`` and no ``order_id`` holds live sessions."""
    try:
        names = csv_header(path) if file_format == "csv" else list(pq.read_schema(path).names)
    except (InvalidInput, pa.ArrowInvalid, OSError):
        return False  # the orders' reader refuses it with its reason
    return is_sessions_header(names)


def ingest_sessions_file(
    units: UnitOfWork, *, root: Path, path: Path, file_format: str
) -> BatchReport:
    """Read a live-sessions file as text (refusing a bad header whole) and ingest it."""
    table = read_as_text(
        path,
        file_format,
        known=SESSION_COLUMN_NAMES,
        required=SESSION_REQUIRED,
        what="a live-sessions file with ",
    )
    raw = table.select(list(SESSION_COLUMN_NAMES))
    raw = raw.add_column(0, "_row", pa.array(range(1, raw.num_rows + 1), pa.int64()))
    return ingest_sessions(
        units, root=root, raw=raw, source=str(path), stem=path.stem, file_format=file_format
    )
