"""What the API and the CLI show of campaigns and reports, and the report's exports.

A merchant reads its own line in full and the industry's line as rates only (completion,
growths, fan repurchase): the platform publishes those (the seed's 战报 gives no amounts), while
amounts, counts and hours would let a merchant work out its competitors'. Segments are not
shown to merchants: a small segment's figures are a few merchants' own.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from shopwarden.context import Context
from shopwarden.money import Money
from shopwarden.reports import schemas as s
from shopwarden.reports.campaigns import baseline_of, period_of
from shopwarden.reports.rules import Line
from shopwarden.reports.service import Report, big_session_text
from shopwarden.reports.tables import CampaignRow

RATES_ONLY = (
    "gmv_completion_rate",
    "gmv_growth_yoy",
    "short_video_gmv_growth_yoy",
    "broadcast_hours_growth",
    "fan_repurchase_rate",
)


def campaign_out(ctx: Context, *, row: CampaignRow) -> s.CampaignOut:
    period, baseline = period_of(row), baseline_of(ctx, row=row)
    return s.CampaignOut(
        id=row.id,
        name=row.name,
        industry=row.industry,
        period=s.PeriodOut(first_day=period.first_day, last_day=period.last_day, days=period.days),
        gmv_target=Money.of_cents(row.gmv_target_cents).to_text(),
        segments=[s.SegmentOut(**item) for item in row.segments],
        merchant_targets={
            m: Money.of_cents(cents).to_text() for m, cents in sorted(row.merchant_targets.items())
        },
        baseline=s.BaselineOut(
            first_day=baseline.period.first_day,
            last_day=baseline.period.last_day,
            days=baseline.period.days,
            source=baseline.source,
            campaign_id=baseline.campaign_id,
        ),
        created_at=row.created_at,
    )


def _text(value: object) -> Any:
    if isinstance(value, Money):
        return value.to_text()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def line_out(line: Line, *, rates_only: bool = False) -> s.LineOut:
    values = {name: _text(getattr(line, name)) for name in s.LineOut.model_fields}
    if rates_only:
        keep = {"level", "key", *RATES_ONLY}
        values = {k: (v if k in keep else None) for k, v in values.items()}
    return s.LineOut(**values)


def visible_lines(report: Report, *, merchant_id: str | None, operator: bool) -> list[s.LineOut]:
    """An operator's: every line (or the industry's, the segments' and one merchant's); a
    merchant's: the industry's rates and its own line (module docstring)."""
    if operator:
        return [
            line_out(line)
            for line in report.lines
            if merchant_id is None or line.level != "merchant" or line.key == merchant_id
        ]
    found = [line_out(report.lines[0], rates_only=True)]
    found += [line_out(x) for x in report.lines if x.level == "merchant" and x.key == merchant_id]
    return found


def report_out(
    ctx: Context, *, report: Report, merchant_id: str | None, operator: bool
) -> s.ReportOut:
    return s.ReportOut(
        campaign=campaign_out(ctx, row=report.campaign),
        as_of=report.as_of,
        policy_version=report.policy_version,
        big_session_gmv=big_session_text(report),
        measures=list(report.policy.measures),
        lines=visible_lines(report, merchant_id=merchant_id, operator=operator),
    )


def lines_table(out: s.ReportOut) -> pa.Table:
    """The report's lines as a table of text and whole numbers (amounts stay exact text)."""
    names = list(s.LineOut.model_fields)
    rows = [line.model_dump() for line in out.lines]
    table = pa.Table.from_pylist(rows, schema=_schema(names))
    campaign = pa.array([out.campaign.id] * table.num_rows, pa.string())
    return table.add_column(0, "campaign_id", campaign)


def _schema(names: list[str]) -> pa.Schema:
    counts = {"merchants", "fans", "repeat_fans", "big_sessions"}
    return pa.schema([(n, pa.int64() if n in counts else pa.string()) for n in names])


def export_bytes(out: s.ReportOut, fmt: str) -> bytes:
    """``csv`` (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese names)
    or ``parquet``."""
    table = lines_table(out)
    sink = io.BytesIO()
    if fmt == "csv":
        sink.write("\ufeff".encode())
        pacsv.write_csv(table, sink)
    else:
        pq.write_table(table, sink)
    return sink.getvalue()
