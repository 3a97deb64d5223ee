"""A campaign's report (REPORT-1), worked out from the facts when asked for.

The facts engine (DuckDB by default, or Spark) runs one expression (``expression.py``) for the
industry and every segment over the campaign and its baseline; the pure rules turn its sums
into the report's lines. Nothing is stored: the next answer sees facts ingested since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.catalog.tree_model import CategoryTree
from shopwarden.context import Context
from shopwarden.facts.service import recorded_facts_root
from shopwarden.money import Money
from shopwarden.reports.campaign_model import Baseline, Period
from shopwarden.reports.campaigns import baseline_of, campaign, period_of, segments_of
from shopwarden.reports.expression import Slice, report_sums
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.reports.rules import FAMILY, SUMS, Line, Sums, report_lines
from shopwarden.reports.sources import open_sources
from shopwarden.reports.tables import CampaignRow


@dataclass(frozen=True)
class Report:
    campaign: CampaignRow
    baseline: Baseline
    as_of: datetime
    policy_version: str
    policy: ReportsPolicy
    lines: list[Line]


def codes_under(tree: CategoryTree, code: str) -> tuple[str, ...]:
    """``code`` and every category under it."""
    return (code, *(c.code for c in tree.descendants(code)))


def slices_of(tree: CategoryTree, row: CampaignRow) -> list[Slice]:
    """The industry, then each segment (kept inside the industry)."""
    industry = codes_under(tree, row.industry)
    found = [Slice(row.industry, industry)]
    for segment in segments_of(row):
        codes = tuple(
            dict.fromkeys(c for code in segment.categories for c in codes_under(tree, code))
        )
        found.append(Slice(segment.name, codes, segment.merchants))
    return found


def build_report(ctx: Context, *, campaign_id: str, engine: str = "duckdb") -> Report:
    """REPORT-1 for ``campaign_id`` as of now, from the facts this database's batches wrote."""
    row = campaign(ctx, campaign_id=campaign_id)
    baseline = baseline_of(ctx, row=row)
    versioned = ctx.policy(FAMILY, ReportsPolicy, ctx.now())
    policy = versioned.parameters
    slices = slices_of(ctx.categories, row)
    root = recorded_facts_root(ctx)
    sums = (
        {}
        if root is None
        else compute_sums(
            root,
            slices,
            campaign=period_of(row),
            baseline=baseline.period,
            big_session_cents=policy.big_session_gmv_inclusive.cents,
            engine=engine,
        )
    )
    lines = report_lines(
        industry=row.industry,
        segments=[s.name for s in slices[1:]],
        rows=sums,
        target=row.gmv_target_cents,
        merchant_targets=dict(row.merchant_targets),
        days=period_of(row).days,
    )
    return Report(row, baseline, ctx.now(), versioned.version, policy, lines)


def compute_sums(
    root: Path,
    slices: list[Slice],
    *,
    campaign: Period,
    baseline: Period,
    big_session_cents: int,
    engine: str = "duckdb",
) -> dict[str, dict[str, Sums]]:
    """The engine's sums by slice and merchant (an empty dict without stored orders)."""
    sources = open_sources(root, engine)
    try:
        if sources.orders is None:
            return {}
        expression = report_sums(
            sources.orders,
            sources.sessions,
            slices,
            campaign=campaign,
            baseline=baseline,
            big_session_cents=big_session_cents,
            epoch=sources.engine.epoch,
        )
        return sums_by_slice(sources.engine.to_arrow(expression))
    finally:
        sources.close()


def sums_by_slice(table: pa.Table) -> dict[str, dict[str, Sums]]:
    columns = {name: table[name].to_pylist() for name in ("slice", "merchant_id", *SUMS)}
    found: dict[str, dict[str, Sums]] = {}
    for i, merchant_id in enumerate(columns["merchant_id"]):
        values = {name: int(columns[name][i]) for name in SUMS}
        found.setdefault(columns["slice"][i], {})[merchant_id] = Sums(**values)
    return found


def big_session_text(report: Report) -> str:
    return Money.of_cents(report.policy.big_session_gmv_inclusive.cents).to_text()
