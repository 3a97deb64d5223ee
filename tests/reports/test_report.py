"""REPORT-1 end to end over the API, against figures worked out by hand (hand_facts.py).

The arithmetic, campaign 2024-01-13 .. 29 (17 days), women's clothing, target 1,600,000.00:

m1 counts o1 600,000.00 + o2 400,000.00 + o3 999,999.99 + o4 100.00 + o6 200.00 + o7 300.00
   = 2,000,599.99 (o5 cancelled, o8 on the 30th, o9 on the 12th, o10 men's: not counted);
   short video o4 = 100.00; fans: b1 (o1, o2: twice), b2 (o3; o5 cancelled: once), b3 (o4:
   once) = 3, repeat 1 -> 1/3 = 33.33 %; b4 bought twice but is no fan.
   Sessions by GMV: s1 1,000,000.00 (big: the boundary is inclusive), s2 999,999.99 (not) ->
   1 big, largest 1,000,000.00. Broadcast: s1 4 h + s2 3 h + s4 2 h (started 23:00 on the last
   day, counted whole) = 9 h; s5 starts on the 30th: not counted. 9 h / 17 days = 0.529 -> 0.53.
   Baseline (the 2023 edition, 2023-01-05 .. 21): p1 50.00 + p2 950,000.00 = 950,050.00, short
   video 50.00, broadcast q1 6 h. GMV growth (2,000,599.99 - 950,050.00) / 950,050.00 =
   105,054,999 / 95,005,000 = 1.105783 -> 110.58 %; short video (100 - 50) / 50 = 100.00 %;
   hours (9 - 6) / 6 = 50.00 %.
m2 counts o20 300.00 + o21 200.00 = 500.00; short video 200.00; b5 a fan who bought twice ->
   1/1 = 100.00 %; session s3 300.00, not big; broadcast s3 1.5 h; no sales and no broadcast in
   the baseline -> every growth "n/a" (null).
Industry: 2,001,099.99 / 1,600,000.00 = 1.250687 -> 125.07 %; growth (2,001,099.99 -
   950,050.00) / 950,050.00 = 105,104,999 / 95,005,000 = 1.106310 -> 110.63 %; short video
   (300 - 50) / 50 = 500.00 %; broadcast 10.5 h against 6 h -> 75.00 %; fans 4, repeat 2 ->
   50.00 %; 1 big session, the largest 1,000,000.00.
Segment 特色综合商圈 (women's coats): o1 + o2 = 1,000,000.00 of m1, no coats in the baseline
   -> n/a; m1's broadcast 9 h against 6 h -> 50.00 %; fan b1 twice -> 100.00 %.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.api.conftest import Api
from tests.reports.conftest import CAMPAIGN_2024, create

URL = "/v1/reports/campaigns/spring-2024/report"

M1 = {
    "level": "merchant",
    "key": "m1",
    "gmv": "2000599.99",
    "target": None,
    "gmv_completion_rate": None,
    "baseline_gmv": "950050.00",
    "gmv_growth_yoy": "110.58",
    "short_video_gmv": "100.00",
    "baseline_short_video_gmv": "50.00",
    "short_video_gmv_growth_yoy": "100.00",
    "broadcast_hours": "9.00",
    "baseline_broadcast_hours": "6.00",
    "broadcast_hours_growth": "50.00",
    "average_daily_live_hours": "0.53",
    "fans": 3,
    "repeat_fans": 1,
    "fan_repurchase_rate": "33.33",
    "big_sessions": 1,
    "top_session_gmv": "1000000.00",
}
M2 = {
    "key": "m2",
    "gmv": "500.00",
    "baseline_gmv": "0.00",
    "gmv_growth_yoy": None,
    "short_video_gmv": "200.00",
    "short_video_gmv_growth_yoy": None,
    "broadcast_hours": "1.50",
    "broadcast_hours_growth": None,
    "average_daily_live_hours": "0.09",
    "fans": 1,
    "repeat_fans": 1,
    "fan_repurchase_rate": "100.00",
    "big_sessions": 0,
    "top_session_gmv": "300.00",
}
INDUSTRY = {
    "level": "industry",
    "key": "womens_clothing",
    "merchants": 2,
    "gmv": "2001099.99",
    "target": "1600000.00",
    "gmv_completion_rate": "125.07",
    "gmv_growth_yoy": "110.63",
    "short_video_gmv_growth_yoy": "500.00",
    "broadcast_hours": "10.50",
    "broadcast_hours_growth": "75.00",
    "fans": 4,
    "repeat_fans": 2,
    "fan_repurchase_rate": "50.00",
    "big_sessions": 1,
    "top_session_gmv": "1000000.00",
}
SEGMENT = {
    "level": "segment",
    "key": "特色综合商圈",
    "merchants": 1,
    "gmv": "1000000.00",
    "gmv_growth_yoy": None,
    "broadcast_hours_growth": "50.00",
    "fan_repurchase_rate": "100.00",
    "big_sessions": 1,
}


def matches(line: dict[str, Any], expected: dict[str, Any]) -> None:
    assert {k: line[k] for k in expected} == expected


@pytest.mark.rule("REPORT-1")
def test_the_operator_reads_every_line_as_worked_out_by_hand(reported: Api) -> None:
    response = reported.client.get(URL, headers=reported.operator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["campaign"]["baseline"] == {
        "first_day": "2023-01-05",
        "last_day": "2023-01-21",
        "days": 17,
        "source": "previous_edition",
        "campaign_id": "spring-2023",
    }
    assert body["big_session_gmv"] == "1000000.00"
    industry, segment, m1, m2 = body["lines"]
    matches(industry, INDUSTRY)
    matches(segment, SEGMENT)
    matches(m1, M1)
    matches(m2, M2)


@pytest.mark.rule("REPORT-1")
def test_a_merchant_reads_its_own_line_and_the_industrys_rates(reported: Api) -> None:
    response = reported.client.get(URL, headers=reported.m2)
    assert response.status_code == 200, response.text
    industry, own = response.json()["lines"]
    assert own == {**own, **M2}
    assert industry["gmv_completion_rate"] == "125.07"
    assert industry["fan_repurchase_rate"] == "50.00"
    assert industry["gmv"] is None and industry["fans"] is None and industry["merchants"] is None


@pytest.mark.rule("REPORT-1")
def test_a_merchant_naming_another_merchant_gets_404(reported: Api) -> None:
    response = reported.client.get(URL, params={"merchant_id": "m1"}, headers=reported.m2)
    assert response.status_code == 404
    export = reported.client.get(f"{URL}/export", params={"merchant_id": "m1"}, headers=reported.m2)
    assert export.status_code == 404


def test_only_an_operator_creates_a_campaign(reported: Api) -> None:
    body = {**CAMPAIGN_2024, "id": "spring-2024-b"}
    response = reported.client.post("/v1/reports/campaigns", json=body, headers=reported.m1)
    assert response.status_code == 403
    listed = reported.client.get("/v1/reports/campaigns", headers=reported.m1).json()
    assert [c["id"] for c in listed] == ["spring-2024", "spring-2023"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"industry": "no_such_category"}, "industry"),
        ({"industry": "Bad Code"}, "industry"),
        ({"last_day": "2024-01-12"}, "last_day"),
        ({"last_day": "2025-03-01"}, "last_day"),
        ({"gmv_target": "0.00"}, "gmv_target"),
        ({"gmv_target": 1000}, "gmv_target"),
        ({"gmv_target": "99999999999999.99"}, "gmv_target"),
        ({"id": "x" * 65}, "id"),
        ({"name": ""}, "name"),
        ({"segments": [{"name": "s", "categories": ["nope"]}]}, "segments.0.categories"),
        ({"segments": [{"name": "s"}]}, "segments.0"),
        ({"baseline_campaign_id": "unknown"}, "baseline_campaign_id"),
        ({"baseline_first_day": "2023-01-01"}, "baseline_last_day"),
        ({"first_day": "0001-01-01"}, "first_day"),
        ({"last_day": "9999-12-31"}, "last_day"),
        ({"baseline_first_day": "0001-01-01", "baseline_last_day": "0001-01-05"}, "baseline"),
        ({"segments": [{"name": "womens_clothing", "merchants": ["m1"]}]}, "segments"),
        ({"segments": [{"name": "s", "merchants": ["m1"]}] * 2}, "segments"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    reported: Api, change: dict[str, Any], field: str
) -> None:
    body = {**CAMPAIGN_2024, "id": "spring-2024-b", **change}
    response = reported.client.post("/v1/reports/campaigns", json=body, headers=reported.operator)
    assert response.status_code == 422, response.text
    problem = response.json()
    named = {problem.get("field"), *(e["field"] for e in problem.get("errors") or [])}
    assert any(str(name).startswith(field) for name in named if name), problem
    assert len(reported.client.get("/v1/reports/campaigns", headers=reported.operator).json()) == 2


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/reports/campaigns/bad id/report", {}),
        (URL, {"merchant_id": "bad id"}),
        (f"{URL}/export", {"format": "xlsx"}),
        ("/v1/reports/campaigns", {"limit": 0}),
        ("/v1/reports/campaigns", {"limit": 2**63}),
    ],
)
def test_bad_parameters_are_422(reported: Api, path: str, query: dict[str, Any]) -> None:
    response = reported.client.get(path, params=query, headers=reported.operator)
    assert response.status_code == 422, response.text


def test_an_existing_campaign_is_409_and_an_unknown_one_404(reported: Api) -> None:
    assert create(reported, CAMPAIGN_2024).status_code == 409
    missing = reported.client.get("/v1/reports/campaigns/nope/report", headers=reported.operator)
    assert missing.status_code == 404


@pytest.mark.rule("REPORT-1")
def test_the_report_exports_to_csv_with_a_bom_and_to_parquet(reported: Api) -> None:
    csv_answer = reported.client.get(
        f"{URL}/export", params={"format": "csv"}, headers=reported.operator
    )
    assert csv_answer.status_code == 200
    assert csv_answer.content.startswith("\ufeff".encode())
    text = csv_answer.content.decode("utf-8-sig")
    assert "特色综合商圈" in text and "125.07" in text
    parquet = reported.client.get(
        f"{URL}/export", params={"format": "parquet"}, headers=reported.operator
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table["key"].to_pylist() == ["womens_clothing", "特色综合商圈", "m1", "m2"]
    assert table["gmv"].to_pylist()[0] == "2001099.99"
