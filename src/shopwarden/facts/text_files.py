"""Reading an input file of facts as text, and setting its bad rows aside, the same way for
every dataset.

Orders and live sessions are both read with every column as text (the checks type them, so a
bad value is a row's reason, not a failed read), after their header is checked whole: a file
with unknown, missing or repeated columns is refused before any row is looked at.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from shopwarden.errors import InvalidInput
from shopwarden.facts.service import BatchReport
from shopwarden.facts.storage import quarantine_dir


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InvalidInput(f"{path}: an empty file; the first line names the columns", field="path")
    return [name.strip() for name in header]


def header_problems(names: Sequence[str], *, known: Sequence[str], required: Sequence[str]) -> str:
    """What is wrong with a header, or "" when nothing is."""
    unknown = [name for name in names if name not in known]
    absent = [name for name in required if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    return "; ".join(
        f"{what}: {', '.join(items)}"
        for what, items in (
            ("unknown columns", unknown),
            ("required columns missing", absent),
            ("columns named twice", repeated),
        )
        if items
    )


def read_as_text(
    path: Path, file_format: str, *, known: Sequence[str], required: Sequence[str], what: str
) -> pa.Table:
    """Every column of the file as text, its header checked first (``what`` names the
    dataset in the refusal)."""
    if file_format == "csv":
        names = csv_header(path)
        _check(names, path, known, required, what)
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InvalidInput(f"{path}: not a Parquet file: {error}", field="path") from error
    _check(table.column_names, path, known, required, what)
    try:
        return pa.table({name: pc.cast(table[name], pa.string()) for name in table.column_names})
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as error:
        raise InvalidInput(f"{path}: a column cannot be read as text: {error}") from error


def _check(
    names: list[str], path: Path, known: Sequence[str], required: Sequence[str], what: str
) -> None:
    problems = header_problems(names, known=known, required=required)
    if problems:
        raise InvalidInput(
            f"{path}: {what}{problems} (the schema is in docs/facts.md); nothing ingested",
            field="columns",
        )


def set_aside(root: Path, report: BatchReport, bad: pa.Table, stem: str) -> None:
    """The refused rows, with their reason and their text as read, go to a quarantine file
    named for the batch; the report counts them by reason."""
    report.quarantined = bad.num_rows
    if bad.num_rows == 0:
        return
    counts = pc.value_counts(bad["reason"]).to_pylist()
    report.reasons = {
        item["values"]: item["counts"] for item in sorted(counts, key=lambda i: i["values"])
    }
    folder = quarantine_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{report.batch}-{stem}.csv"
    pacsv.write_csv(bad, target)
    report.quarantine_file = str(target)
