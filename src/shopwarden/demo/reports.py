"""The reports part of ``shopwarden demo``: the seed's 春节不打烊 campaign report (REPORT-1).

Four women's-clothing stores (two fur stores of 佟二堡, a plus-size and a dress store) trade
through two editions of the campaign: 2022 (17–February 2, demo dates) and the seed's 2023
edition (13–29 January), the second larger. Their orders and live sessions are generated into
the workspace's facts (a marketplace of just them, so the report is about them), the operator
defines both editions with the segment 特色综合商圈 (coats, and the two fur stores), and the
2023 report is worked out on DuckDB: completion, growths, broadcast hours, fan repurchase.
"""

from __future__ import annotations

from datetime import date

from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.facts.generator import ProductSpec
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir
from shopwarden.reports import campaigns
from shopwarden.reports.rules import Line
from shopwarden.reports.schemas import CampaignIn
from shopwarden.reports.service import build_report

STORES = (
    ("rpt-dahai-fur", "佟二堡大海皮草", ("womens_coats", "womens_coats", "womens_tops")),
    ("rpt-junjun-fur", "君君吖皮草工厂直营", ("womens_coats", "womens_dresses")),
    ("rpt-plus-size", "大码女装馆", ("womens_tops", "womens_dresses")),
    ("rpt-dress", "连衣裙小铺", ("womens_dresses",)),
)
EDITIONS = (  # id, first day, orders, seed offset
    ("spring-2022-womens", date(2022, 1, 17), 3_000, 1),
    ("spring-2023-womens", date(2023, 1, 13), 4_500, 2),
)
DAYS = 17
TARGET = "350000.00"  # a demo target for the 2023 edition


def run_reports_part(container: Container, seed: int) -> dict[str, str]:
    """Stores, their two editions' facts, both campaigns, and the 2023 report's headline."""
    with container.unit_of_work() as ctx:
        for merchant_id, name, _ in STORES:
            catalog.create_merchant(ctx, data=MerchantCreate(id=merchant_id, name=name))
    products = [
        (m, [ProductSpec(f"{m}-p{n}", 48, False, code) for n, code in enumerate(codes)])
        for m, _, codes in STORES
    ]
    for _, first_day, orders, offset in EDITIONS:
        generate_facts(
            container.unit_of_work,
            root=facts_dir(container.settings.home),
            merchants=len(STORES),
            orders=orders,
            days=DAYS,
            seed=seed + offset,
            start=first_day,
            catalog=products,
        )
    segment = {
        "name": "特色综合商圈",
        "categories": ["womens_coats"],
        "merchants": [STORES[0][0], STORES[1][0]],
    }
    with container.unit_of_work() as ctx:
        for campaign_id, first_day, _, _ in EDITIONS:
            spec = CampaignIn(
                id=campaign_id,
                name="春节不打烊",
                industry="womens_clothing",
                first_day=first_day,
                last_day=date.fromordinal(first_day.toordinal() + DAYS - 1),
                gmv_target=TARGET,  # type: ignore[arg-type]
                segments=[segment],  # type: ignore[list-item]
            )
            campaigns.create_campaign(ctx, spec=spec)
        report = build_report(ctx, campaign_id=EDITIONS[-1][0])
    return _headline(report.lines[0], report.lines[1])


def _rate(value: object) -> str:
    return "n/a" if value is None else f"{value} %"


def _headline(industry: Line, fur: Line) -> dict[str, str]:
    """The industry's and 特色综合商圈's figures the seed's report quotes."""
    return {
        "report: 春节不打烊 2023, women's clothing GMV": industry.gmv.to_text(),
        "report: GMV completion / growth year on year": (
            f"{_rate(industry.gmv_completion_rate)} / {_rate(industry.gmv_growth_yoy)}"
        ),
        "report: short-video GMV growth / fan repurchase": (
            f"{_rate(industry.short_video_gmv_growth_yoy)} / {_rate(industry.fan_repurchase_rate)}"
        ),
        "report: 特色综合商圈 broadcast hours growth / GMV growth": (
            f"{_rate(fur.broadcast_hours_growth)} / {_rate(fur.gmv_growth_yoy)}"
        ),
    }
