"""``shopwarden report ...``: campaign reports (REPORT-1).

The same use cases and views as the API, as an operator: ``campaign create|list|show`` and
``show CAMPAIGN`` (every line, or one merchant's with ``--merchant``) on DuckDB or Spark,
printed as a table, as JSON (``--json``) or written to a file (``--out report.csv`` UTF-8
with a byte-order mark, or ``.parquet``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopwarden.cli.common import open_container
from shopwarden.cli.output import emit
from shopwarden.errors import InvalidInput

report_app = typer.Typer(help="Campaign reports (REPORT-1).", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns: define, list, show.", no_args_is_help=True)
report_app.add_typer(campaign_app, name="campaign")
console = Console()
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document, nothing else.")]
CampaignArg = Annotated[str, typer.Argument(help="The campaign's id.")]
SHOWN = (
    "level",
    "key",
    "gmv",
    "gmv_completion_rate",
    "gmv_growth_yoy",
    "short_video_gmv_growth_yoy",
    "broadcast_hours",
    "broadcast_hours_growth",
    "average_daily_live_hours",
    "fan_repurchase_rate",
    "big_sessions",
    "top_session_gmv",
)


def _pairs(texts: list[str], option: str) -> dict[str, list[str]]:
    """``NAME=A,B`` options, by name."""
    found: dict[str, list[str]] = {}
    for text in texts:
        name, sep, values = text.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{option} takes NAME=A,B: {text!r}", field=option)
        found.setdefault(name.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return found


def _body(**options: Any) -> dict[str, Any]:
    categories = _pairs(options.pop("segment"), "--segment")
    merchants = _pairs(options.pop("segment_merchants"), "--segment-merchants")
    targets = _pairs(options.pop("merchant_target"), "--merchant-target")
    body = {k: v for k, v in options.items() if v is not None}
    body["segments"] = [
        {"name": name, "categories": categories.get(name, []), "merchants": merchants.get(name, [])}
        for name in dict.fromkeys([*categories, *merchants])
    ]
    body["merchant_targets"] = [
        {"merchant_id": merchant, "gmv_target": values[-1]}
        for merchant, values in targets.items()
        if values
    ]
    return body


@campaign_app.command("create")
def create(
    id: Annotated[str, typer.Option("--id", help="The campaign's id.")],
    name: Annotated[str, typer.Option("--name", help="春节不打烊; editions share it.")],
    industry: Annotated[str, typer.Option("--industry", help="A category code.")],
    first_day: Annotated[str, typer.Option("--from", help="First day, 2024-01-13.")],
    last_day: Annotated[str, typer.Option("--to", help="Last day (included), 2024-01-29.")],
    gmv_target: Annotated[str, typer.Option("--target", help="GMV target, 50000000.00.")],
    segment: Annotated[
        list[str], typer.Option("--segment", help="NAME=CATEGORY,CATEGORY (repeatable).")
    ] = [],  # noqa: B006
    segment_merchants: Annotated[
        list[str], typer.Option("--segment-merchants", help="NAME=MERCHANT,MERCHANT.")
    ] = [],  # noqa: B006
    merchant_target: Annotated[
        list[str], typer.Option("--merchant-target", help="MERCHANT=AMOUNT (repeatable).")
    ] = [],  # noqa: B006
    baseline_campaign_id: Annotated[
        str | None, typer.Option("--baseline", help="Last year's edition (a campaign id).")
    ] = None,
    baseline_first_day: Annotated[
        str | None, typer.Option("--baseline-from", help="An explicit baseline's first day.")
    ] = None,
    baseline_last_day: Annotated[
        str | None, typer.Option("--baseline-to", help="An explicit baseline's last day.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Define a campaign (REPORT-1); refused with the field named on bad input."""
    body = _body(**{k: v for k, v in locals().items() if k != "as_json"})
    from pydantic import ValidationError

    from shopwarden.reports import campaigns, views
    from shopwarden.reports.schemas import CampaignIn

    try:
        spec = CampaignIn.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None
    with open_container() as container, container.unit_of_work() as ctx:
        out = views.campaign_out(ctx, row=campaigns.create_campaign(ctx, spec=spec))
    _show_campaigns([out.model_dump(mode="json")], as_json)


def _show_campaigns(items: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        emit(items[0] if len(items) == 1 else items, as_json=True)
        return
    table = Table("id", "name", "industry", "period", "target", "baseline", title="Campaigns")
    for c in items:
        base = c["baseline"]
        table.add_row(
            c["id"],
            c["name"],
            c["industry"],
            f"{c['period']['first_day']} .. {c['period']['last_day']}",
            c["gmv_target"],
            f"{base['first_day']} .. {base['last_day']} ({base['source']})",
        )
    console.print(table)


@campaign_app.command("list")
def list_campaigns(as_json: AsJson = False) -> None:
    """The campaigns, the latest first."""
    from shopwarden.reports import campaigns, views

    with open_container() as container, container.unit_of_work() as ctx:
        rows = campaigns.campaigns(ctx, limit=1000)
        items = [views.campaign_out(ctx, row=row).model_dump(mode="json") for row in rows]
    if as_json:
        emit(items, as_json=True)
    else:
        _show_campaigns(items, False)


@campaign_app.command("show")
def show_campaign(campaign_id: CampaignArg, as_json: AsJson = False) -> None:
    """One campaign, with the baseline its report compares with."""
    from shopwarden.reports import campaigns, views

    with open_container() as container, container.unit_of_work() as ctx:
        row = campaigns.campaign(ctx, campaign_id=campaign_id)
        out = views.campaign_out(ctx, row=row).model_dump(mode="json")
    _show_campaigns([out], as_json)


@report_app.command("show")
def show(
    campaign_id: CampaignArg,
    merchant: Annotated[str | None, typer.Option("--merchant", help="Only this merchant.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write .csv (UTF-8 with BOM) or .parquet.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """A campaign's report (REPORT-1) from the facts, as an operator sees it."""
    from shopwarden.reports import views
    from shopwarden.reports.service import build_report

    with open_container() as container, container.unit_of_work() as ctx:
        report = build_report(ctx, campaign_id=campaign_id, engine=engine)
        document = views.report_out(ctx, report=report, merchant_id=merchant, operator=True)
    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("csv", "parquet"):
            raise InvalidInput("--out names a .csv or a .parquet file", field="--out")
        out.write_bytes(views.export_bytes(document, suffix))
        console.print(f"{len(document.lines)} lines written to {out}")
        return
    if as_json:
        emit(document, as_json=True)
        return
    table = Table(*SHOWN, title=f"{document.campaign.name} ({campaign_id})")
    for line in document.lines:
        values = line.model_dump()
        table.add_row(*("n/a" if values[k] is None else str(values[k]) for k in SHOWN))
    console.print(table)
