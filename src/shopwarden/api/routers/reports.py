"""Campaign reports (REPORT-1): campaigns and their reports.

Operators define campaigns; anyone with a token reads them. A report is worked out from the
facts when asked for: an operator sees every line (or one merchant's with the industry and
segments), a merchant the industry's rates and its own line; naming another merchant answers
404. ``/export`` gives the same lines as CSV (UTF-8 with a byte-order mark) or Parquet.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from shopwarden.api.deps import PrincipalDep, UnitsDep, merchant_filter, require_operator
from shopwarden.api.routers.deposits_common import Limit
from shopwarden.auth.service import Principal
from shopwarden.reports import campaigns, views
from shopwarden.reports import schemas as s
from shopwarden.reports.service import build_report

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
CampaignId = Annotated[str, Path(pattern=ID_PATTERN, description="The campaign's id.")]
MerchantQuery = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN,
        description="Operators: only this merchant's line (with the industry and segments). "
        "A merchant's token reads its own; naming another merchant answers 404.",
    ),
]
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@router.post("/campaigns", status_code=201, response_model=s.CampaignOut)
def create_campaign(body: s.CampaignIn, units: UnitsDep, principal: PrincipalDep) -> Any:
    """Define a campaign (operators): days, industry, segments, GMV target, baseline."""
    require_operator(principal)
    with units() as ctx:
        row = campaigns.create_campaign(ctx, spec=body)
        return views.campaign_out(ctx, row=row)


@router.get("/campaigns", response_model=list[s.CampaignOut])
def list_campaigns(units: UnitsDep, principal: PrincipalDep, limit: Limit = 100) -> Any:
    """The campaigns, the latest first, each with the baseline its report compares with."""
    with units() as ctx:
        return [views.campaign_out(ctx, row=row) for row in campaigns.campaigns(ctx, limit=limit)]


@router.get("/campaigns/{campaign_id}", response_model=s.CampaignOut)
def get_campaign(campaign_id: CampaignId, units: UnitsDep, principal: PrincipalDep) -> Any:
    with units() as ctx:
        return views.campaign_out(ctx, row=campaigns.campaign(ctx, campaign_id=campaign_id))


def _report(
    units: UnitsDep, principal: Principal, campaign_id: str, merchant_id: str | None
) -> s.ReportOut:
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        report = build_report(ctx, campaign_id=campaign_id)
        return views.report_out(
            ctx, report=report, merchant_id=merchant, operator=principal.is_operator
        )


@router.get("/campaigns/{campaign_id}/report", response_model=s.ReportOut)
def report(
    campaign_id: CampaignId,
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: MerchantQuery = None,
) -> Any:
    """REPORT-1: GMV and its completion rate, GMV and short-video GMV growth year on year,
    broadcast hours and their growth, fan repurchase rate; per merchant also average daily
    live hours, big sessions and the largest session. ``null`` rates are "n/a"."""
    return _report(units, principal, campaign_id, merchant_id)


@router.get(
    "/campaigns/{campaign_id}/report/export",
    response_class=Response,
    responses={
        200: {
            "description": "The report's lines, one row each.",
            "content": {
                MEDIA["csv"]: {"schema": {"type": "string"}},
                MEDIA["parquet"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def export(
    campaign_id: CampaignId,
    units: UnitsDep,
    principal: PrincipalDep,
    format: Literal["csv", "parquet"] = "csv",
    merchant_id: MerchantQuery = None,
) -> Response:
    """The report's lines as CSV (UTF-8 with a byte-order mark) or Parquet."""
    out = _report(units, principal, campaign_id, merchant_id)
    return Response(
        content=views.export_bytes(out, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{campaign_id}.{format}"'},
    )
