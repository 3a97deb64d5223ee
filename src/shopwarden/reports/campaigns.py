"""Campaigns (REPORT-1): operators define them; everyone reads them.

A campaign's industry and segment categories must be codes of the catalog tree, its days a
period of at most the policy's ``max_campaign_days``, and a named baseline campaign must exist;
the baseline is resolved when read (``campaign_model.choose_baseline``), so a previous edition
defined later is found.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.errors import AlreadyExists, InvalidInput, NotFound
from shopwarden.reports import schemas as s
from shopwarden.reports.campaign_model import Baseline, Edition, Period, Segment, choose_baseline
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.reports.rules import FAMILY
from shopwarden.reports.tables import CampaignRow


def create_campaign(ctx: Context, *, spec: s.CampaignIn) -> CampaignRow:
    """Record a campaign; refuses an unknown category, a bad period, an unknown baseline."""
    limit = ctx.policy(FAMILY, ReportsPolicy, ctx.now()).parameters.max_campaign_days
    _check_period(spec.first_day, spec.last_day, limit, "last_day")
    _check_codes(ctx, [spec.industry], "industry")
    for index, segment in enumerate(spec.segments):
        if not segment.categories and not segment.merchants:
            raise InvalidInput("a segment names categories or merchants", field=f"segments.{index}")
        _check_codes(ctx, segment.categories, f"segments.{index}.categories")
    names = [segment.name for segment in spec.segments]
    if len(set(names)) != len(names) or spec.industry in names:
        raise InvalidInput(
            "segment names differ from each other and the industry", field="segments"
        )
    if (spec.baseline_first_day is None) != (spec.baseline_last_day is None):
        raise InvalidInput("give both baseline days or neither", field="baseline_last_day")
    if spec.baseline_first_day is not None and spec.baseline_last_day is not None:
        _check_period(spec.baseline_first_day, spec.baseline_last_day, limit, "baseline_last_day")
    if (
        spec.baseline_campaign_id is not None
        and ctx.session.get(CampaignRow, spec.baseline_campaign_id) is None
    ):
        raise InvalidInput(f"no campaign {spec.baseline_campaign_id}", field="baseline_campaign_id")
    if ctx.session.get(CampaignRow, spec.id) is not None:
        raise AlreadyExists(f"campaign {spec.id} exists", field="id")
    row = CampaignRow(
        id=spec.id,
        name=spec.name,
        industry=spec.industry,
        first_day=spec.first_day,
        last_day=spec.last_day,
        gmv_target_cents=spec.gmv_target.cents,
        segments=[seg.model_dump(mode="json") for seg in spec.segments],
        merchant_targets={t.merchant_id: t.gmv_target.cents for t in spec.merchant_targets},
        baseline_campaign_id=spec.baseline_campaign_id,
        baseline_first_day=spec.baseline_first_day,
        baseline_last_day=spec.baseline_last_day,
        created_at=ctx.now(),
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


EARLIEST_DAY, LATEST_DAY = date(2001, 1, 1), date(2099, 12, 31)
"""Campaign days lie where facts can (2000..2099, docs/facts.md), a baseline a year earlier."""


def _check_period(first: date, last: date, limit: int, field: str) -> None:
    period = Period(first, last)
    for day, name in ((first, field.replace("last", "first")), (last, field)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidInput(f"{day} is outside {EARLIEST_DAY} .. {LATEST_DAY}", field=name)
    if period.last_day < period.first_day:
        raise InvalidInput("the last day comes before the first", field=field)
    if period.days > limit:
        raise InvalidInput(f"a campaign lasts at most {limit} days", field=field)


def _check_codes(ctx: Context, codes: list[str], field: str) -> None:
    unknown = [code for code in codes if code not in ctx.categories]
    if unknown:
        raise InvalidInput(f"not a category of the catalog: {', '.join(unknown)}", field=field)


def campaign(ctx: Context, *, campaign_id: str) -> CampaignRow:
    row = ctx.session.get(CampaignRow, campaign_id)
    if row is None:
        raise NotFound(f"no campaign {campaign_id}")
    return row


def campaigns(ctx: Context, *, limit: int) -> list[CampaignRow]:
    """The campaigns, the latest first."""
    query = select(CampaignRow).order_by(CampaignRow.first_day.desc(), CampaignRow.id)
    return list(ctx.session.scalars(query.limit(limit)))


def period_of(row: CampaignRow) -> Period:
    return Period(row.first_day, row.last_day)


def segments_of(row: CampaignRow) -> list[Segment]:
    return [
        Segment(item["name"], tuple(item["categories"]), tuple(item["merchants"]))
        for item in row.segments
    ]


def baseline_of(ctx: Context, *, row: CampaignRow) -> Baseline:
    """REPORT-1 Default: the baseline the campaign names, else last year's edition."""
    named = None
    if row.baseline_campaign_id is not None:
        named = _edition(campaign(ctx, campaign_id=row.baseline_campaign_id))
    named_period = None
    if row.baseline_first_day is not None and row.baseline_last_day is not None:
        named_period = Period(row.baseline_first_day, row.baseline_last_day)
    earlier = ctx.session.scalars(
        select(CampaignRow).where(
            CampaignRow.name == row.name,
            CampaignRow.industry == row.industry,
            CampaignRow.last_day < row.first_day,
        )
    )
    return choose_baseline(
        name=row.name,
        industry=row.industry,
        period=period_of(row),
        named_campaign=named,
        named_period=named_period,
        earlier=[_edition(e) for e in earlier],
    )


def _edition(row: CampaignRow) -> Edition:
    return Edition(row.id, row.name, row.industry, period_of(row))
