"""The weekly exemption through the API on SQLite and PostgreSQL (SHIP-1..5): the Monday cycle
grants or says why not, overdue shipments are waived once and charged after, compensation is
always paid, unused exemptions lapse, what a wallet cannot pay is owed and collected, and the
late order still counts in the score."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from shopwarden.ledger.verify import verify_ledger
from tests.api.conftest import Api
from tests.shipping.conftest import (
    EXEMPT,
    at,
    balances,
    cycle,
    fund,
    ingest_week,
    report,
)
from tests.shipping.weekly_facts import Extra, WeekSpec

MONDAY = "2024-03-11T00:00:00+08:00"


def clean(api: Api) -> None:
    with api.container.db.transaction() as session:
        assert verify_ledger(session) == []


def status(api: Api, who: dict[str, str], merchant_id: str | None = None) -> dict[str, Any]:
    params = {"merchant_id": merchant_id} if merchant_id else {}
    response = api.client.get("/v1/shipping/status", params=params, headers=who)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def decisions(api: Api, rule: str, merchant_id: str = "m1") -> list[dict[str, Any]]:
    response = api.client.get(
        "/v1/decisions", params={"rule_id": rule, "merchant_id": merchant_id}, headers=api.operator
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.mark.rule("SHIP-3")
def test_the_monday_cycle_grants_one_exemption_and_states_every_other_merchants_gaps(
    api: Api, tmp_path: Path
) -> None:
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001), WeekSpec("m2", 3000, 2500, late=95)])
    steps = cycle(api, MONDAY)
    assert (
        steps["shipping-exemptions"] | {"evaluated": 2, "granted": 1}
        == steps["shipping-exemptions"]
    )
    [granted] = decisions(api, "SHIP-3", "m1")
    assert granted["outcome"] == "granted" and granted["policy_version"] == "2023-02-27"
    assert [i["outcome"] for i in granted["explanation"][:3]] == ["met"] * 3
    [refused] = decisions(api, "SHIP-3", "m2")
    assert refused["outcome"] == "not_granted"
    assert [i["outcome"] for i in refused["explanation"][:3]] == ["not met", "met", "not met"]
    mine = status(api, api.m2)
    last = mine["last_week"]
    assert last["source"] == "recorded" and last["evaluated_by"] == "cycle"
    assert last["measures"] | {"paid_orders": 3000, "committed_orders": 2500} == last["measures"]
    gaps = {
        c["key"]: (c["met"], c["gap"], c["gap_orders"], c["gap_points"]) for c in last["conditions"]
    }
    assert gaps["paid_orders"] == (False, "1 more paid order", 1, None)
    assert gaps["committed_share"] == (True, None, None, None)
    assert gaps["on_time_rate"][:1] == (False,) and gaps["on_time_rate"][2:] == (5, "0.17")
    assert mine["this_week"]["exemption"] is None
    assert mine["this_week"]["status"] == "no exemption this week"
    theirs = status(api, api.m1)["this_week"]
    assert theirs["exemption"]["status"] == "unused" and theirs["exemption"]["left"] == 1
    assert theirs["exemption"]["valid_until"] == "2024-03-17T16:00:00Z"  # Sunday 24:00 +08
    again = cycle(api, "2024-03-12T00:00:00+08:00")
    assert again["shipping-exemptions"]["evaluated"] == 0
    assert len(decisions(api, "SHIP-3", "m1")) == 1


@pytest.mark.rule("SHIP-4")
@pytest.mark.rule("SHIP-5")
def test_two_penalties_in_an_exempt_week_first_waived_second_charged_both_compensated(
    api: Api, tmp_path: Path
) -> None:
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001)])
    fund(api, "m1", "100.00", "fund")
    cycle(api, MONDAY)
    api.clock.advance_to(at("2024-03-13T10:00:01+08:00"))
    first = report(api, "late-1", paid="2024-03-11T10:00:00+08:00")
    second = report(api, "late-2", paid="2024-03-11T10:00:00+08:00")
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    a, b = first.json(), second.json()
    assert (a["outcome"], a["charged"], a["compensation"], a["from_wallet"]) == (
        "waived",
        "0.00",
        "5.00",
        "5.00",
    )
    assert (b["outcome"], b["charged"], b["compensation"], b["from_wallet"]) == (
        "charged",
        "10.00",
        "5.00",
        "15.00",
    )
    assert a["assumed"] == b["assumed"] == ["penalty", "compensation"]  # the seed gives neither
    money = balances(api)
    assert money["merchant:m1:wallet"] == "80.00"
    assert money["platform:shipping_penalties"] == "10.00"
    assert money["platform:delay_compensation"] == "10.00"
    week = status(api, api.m1)["this_week"]
    assert (week["penalties_waived"], week["penalties_charged"]) == (1, 1)
    assert week["exemption"]["used_on"] == ["late-1"] and week["exemption"]["status"] == "used"
    assert [d["outcome"] for d in decisions(api, "SHIP-4")] == ["charged", "waived"]
    assert [d["outcome"] for d in decisions(api, "SHIP-5")] == ["paid", "paid"]
    # the same request again is the first answer, and moves nothing
    replay = report(api, "late-1", paid="2024-03-11T10:00:00+08:00")
    assert replay.status_code == 201 and replay.json() == a
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert balances(api) == money
    clean(api)


@pytest.mark.rule("SHIP-4")
def test_an_exemption_unused_one_week_lapses_and_is_not_there_the_next(
    api: Api, tmp_path: Path
) -> None:
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001)])
    fund(api, "m1", "100.00", "fund")
    cycle(api, MONDAY)
    steps = cycle(api, "2024-03-18T00:00:00+08:00")
    assert (
        steps["shipping-week-end"] | {"weeks_closed": 1, "lapsed": 1} == steps["shipping-week-end"]
    )
    [lapsed] = decisions(api, "SHIP-4")
    assert lapsed["outcome"] == "lapsed" and lapsed["as_of"] == "2024-03-17T16:00:00Z"
    listed = api.client.get("/v1/shipping/exemptions", headers=api.m1).json()
    assert [(e["week"]["first_day"], e["status"], e["lapsed"]) for e in listed] == [
        (EXEMPT.isoformat(), "lapsed", 1)
    ]
    api.clock.advance_to(at("2024-03-20T10:00:01+08:00"))
    charged = report(api, "late-3", paid="2024-03-18T10:00:00+08:00")
    assert charged.status_code == 201 and charged.json()["outcome"] == "charged"
    assert status(api, api.m1)["last_week"]["granted"] is False  # no orders last week


@pytest.mark.rule("SHIP-3")
@pytest.mark.rule("SHIP-4")
def test_the_first_overdue_shipment_of_a_week_decides_the_week_before_the_cycle_does(
    api: Api, tmp_path: Path
) -> None:
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001), WeekSpec("m2", 3001, 3001)])
    api.clock.advance_to(at("2024-03-11T00:30:00+08:00"))
    before = status(api, api.m1)
    assert before["last_week"]["source"] == "live" and before["last_week"]["granted"] is True
    assert before["this_week"]["status"].startswith("not decided yet")
    waived = report(api, "late-1", paid="2024-03-09T00:00:00+08:00")  # due Mon 00:00, late now
    assert waived.status_code == 201 and waived.json()["outcome"] == "waived"
    assert waived.json()["owed"] == "5.00"  # an empty wallet: the compensation is advanced
    steps = cycle(api, "2024-03-11T01:00:00+08:00")
    assert steps["shipping-exemptions"]["evaluated"] == 1  # m2; m1 was decided by its shipment
    weeks = api.client.get("/v1/shipping/weeks", headers=api.m1).json()
    assert [(w["evaluated_by"], w["granted"]) for w in weeks] == [("overdue", True)]
    assert len(decisions(api, "SHIP-3", "m1")) == 1


@pytest.mark.rule("SHIP-5")
def test_what_the_wallet_cannot_pay_is_advanced_owed_and_collected(
    api: Api, tmp_path: Path
) -> None:
    fund(api, "m1", "12.00", "fund")
    api.clock.advance_to(at("2024-03-13T10:00:01+08:00"))
    short = report(api, "late-1", paid="2024-03-11T10:00:00+08:00").json()
    assert (short["outcome"], short["from_wallet"], short["owed"]) == ("charged", "12.00", "3.00")
    money = balances(api)
    assert money["merchant:m1:wallet"] == "0.00"
    assert money["platform:shipping_receivables"] == "-3.00"
    assert money["platform:delay_compensation"] == "5.00"  # the consumer is paid in full
    queue = api.client.get("/v1/shipping/queues/owed", headers=api.operator).json()
    assert [(q["merchant_id"], q["outstanding"]) for q in queue] == [("m1", "3.00")]
    assert status(api, api.m1)["owed"] == "3.00"
    nothing = cycle(api, "2024-03-14T00:00:00+08:00")["shipping-collect"]
    assert nothing["collected_cents"] == 0
    fund(api, "m1", "2.00", "fund-2")
    part = cycle(api, "2024-03-15T00:00:00+08:00")["shipping-collect"]
    assert part["collected_cents"] == 200
    fund(api, "m1", "50.00", "fund-3")
    rest = cycle(api, "2024-03-16T00:00:00+08:00")["shipping-collect"]
    assert rest["collected_cents"] == 100
    after = balances(api)
    assert after["merchant:m1:wallet"] == "49.00"
    assert after["platform:shipping_receivables"] == "0.00"
    row = api.client.get("/v1/shipping/overdue-shipments/late-1", headers=api.m1).json()
    assert (row["owed"], row["collected"], row["outstanding"]) == ("3.00", "3.00", "0.00")
    assert api.client.get("/v1/shipping/queues/owed", headers=api.operator).json() == []
    clean(api)


@pytest.mark.rule("SHIP-5")
def test_a_waived_late_order_still_counts_in_the_shopping_experience_score(
    api: Api, tmp_path: Path
) -> None:
    late = Extra(at("2024-03-11T10:00:00+08:00"), shipped=at("2024-03-13T12:00:00+08:00"))
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001, extra=(late,))])
    fund(api, "m1", "100.00", "fund")
    cycle(api, MONDAY)
    api.clock.advance_to(at("2024-03-13T12:00:00+08:00"))
    waived = report(
        api, "o-m1-x0", paid="2024-03-11T10:00:00+08:00", shipped_at="2024-03-13T12:00:00+08:00"
    )
    assert waived.status_code == 201 and waived.json()["outcome"] == "waived"
    assert waived.json()["compensation"] == "5.00"
    api.clock.advance_to(at("2024-03-14T09:00:00+08:00"))
    score = api.client.get("/v1/scores/m1", headers=api.m1).json()
    on_time = next(
        i
        for d in score["dimensions"]
        for i in d["indicators"]
        if i["name"] == "on_time_shipment_rate"
    )
    assert (on_time["numerator"], on_time["denominator"]) == (3001, 3002)  # the late one counts


def _body(**changes: Any) -> dict[str, Any]:
    body = {
        "order_id": "o9",
        "merchant_id": "m1",
        "paid_at": "2024-03-11T10:00:00+08:00",
        "promised_shipping_hours": 48,
    }
    return {**body, **changes}


def _post(api: Api, body: dict[str, Any], who: dict[str, str], key: str = "k") -> Any:
    return api.client.post(
        "/v1/shipping/overdue-shipments", json=body, headers={**who, "Idempotency-Key": key}
    )


@pytest.mark.rule("SHIP-4")
@pytest.mark.parametrize(
    ("changes", "status_code", "field"),
    [
        ({}, 422, "paid_at"),  # promised by 2024-03-13 10:00; now is 10:00 exactly
        ({"shipped_at": "2024-03-12T09:00:00+08:00"}, 422, "shipped_at"),  # shipped in time
        ({"shipped_at": "2024-03-10T09:00:00+08:00"}, 422, "shipped_at"),  # before paid
        ({"paid_at": "2024-03-14T10:00:00+08:00"}, 422, "paid_at"),  # in the future
        ({"paid_at": "2024-03-11T10:00:00"}, 422, "paid_at"),  # no zone
        ({"promised_shipping_hours": 0}, 422, "promised_shipping_hours"),
        ({"promised_shipping_hours": "48"}, 422, "promised_shipping_hours"),
        ({"merchant_id": "nobody"}, 404, "merchant_id"),
        ({"extra": 1}, 422, "extra"),
    ],
)
def test_a_refused_report_names_the_field_and_changes_nothing(
    api: Api, changes: dict[str, Any], status_code: int, field: str
) -> None:
    fund(api, "m1", "100.00", "fund")
    api.clock.advance_to(at("2024-03-13T10:00:00+08:00"))
    before = balances(api)
    response = _post(api, _body(**changes), api.operator)
    assert response.status_code == status_code, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert balances(api) == before
    assert api.client.get("/v1/shipping/overdue-shipments", headers=api.operator).json() == []


def test_roles_keys_and_visibility(api: Api) -> None:
    api.clock.advance_to(at("2024-03-13T10:00:01+08:00"))
    refused = _post(api, _body(), api.m1)
    assert refused.status_code == 403 and refused.json()["field"] == "Authorization"
    no_key = api.client.post("/v1/shipping/overdue-shipments", json=_body(), headers=api.operator)
    assert no_key.status_code == 422 and no_key.json()["field"] == "Idempotency-Key"
    assert _post(api, _body(), api.operator, "k1").status_code == 201
    twice = _post(api, _body(), api.operator, "k2")
    assert twice.status_code == 409 and twice.json()["field"] == "order_id"
    other = _post(api, _body(order_id="o10"), api.operator, "k1")
    assert other.status_code == 409  # a key is one request
    assert api.client.get("/v1/shipping/overdue-shipments/o9", headers=api.m2).status_code == 404
    assert api.client.get("/v1/shipping/overdue-shipments", headers=api.m2).json() == []
    assert len(api.client.get("/v1/shipping/overdue-shipments", headers=api.m1).json()) == 1
    mine = api.client.get("/v1/shipping/status", params={"merchant_id": "m1"}, headers=api.m2)
    assert mine.status_code == 404
    assert api.client.get("/v1/shipping/status", headers=api.operator).status_code == 422
    assert api.client.get("/v1/shipping/queues/owed", headers=api.m1).status_code == 403
    tuesday = api.client.get(
        "/v1/shipping/exemptions", params={"week": "2024-03-12"}, headers=api.operator
    )
    assert tuesday.status_code == 422 and tuesday.json()["field"] == "week"
    listed = api.client.get(
        "/v1/shipping/overdue-shipments", params={"week": "2024-03-11"}, headers=api.m1
    )
    assert [o["order_id"] for o in listed.json()] == ["o9"]


def test_a_merchants_week_without_facts_or_orders_is_not_granted(api: Api) -> None:
    api.clock.advance_to(datetime.fromisoformat("2024-03-11T09:00:00+08:00"))
    view = status(api, api.m1)
    assert view["last_week"]["granted"] is False and view["last_week"]["source"] == "live"
    steps = cycle(api, "2024-03-11T10:00:00+08:00")
    assert steps["shipping-exemptions"]["note"] == "no order facts ingested yet"


CARRYING = """\
family: shipping
version: "2024-03-11"
title: Overdue shipment and the high in-stock exemption (a carrying what-if)
revised_on: 2024-03-01
published_at: "2024-03-01T09:00:00+08:00"
effective_from: "2024-03-11T00:00:00+08:00"
rules: [SHIP-1, SHIP-2, SHIP-3, SHIP-4, SHIP-5]
parameters:
  committed_in_stock: {promise_hours: [24, 48], flash_purchase_counts: false}
  week: {starts_on: monday}
  exemption:
    min_paid_orders_exclusive: 3000
    committed_share_exclusive: "0.70"
    on_time_rate_inclusive: "0.97"
    per_week: 1
    carry_over: true
  penalties: {overdue_penalty: "10.00", delayed_shipment_compensation: "5.00"}
"""


@pytest.mark.rule("SHIP-4")
def test_a_policy_that_carries_over_moves_the_unused_exemption_into_the_next_week(
    api: Api, tmp_path: Path
) -> None:
    published = api.client.post(
        "/v1/policies",
        content=CARRYING,
        headers={**api.operator, "Content-Type": "application/yaml"},
    )
    assert published.status_code == 201, published.text
    ingest_week(api, tmp_path, [WeekSpec("m1", 3001, 3001)])
    fund(api, "m1", "100.00", "fund")
    cycle(api, MONDAY)
    steps = cycle(api, "2024-03-18T00:00:00+08:00")
    assert (
        steps["shipping-week-end"] | {"carried_over": 1, "lapsed": 0} == steps["shipping-week-end"]
    )
    listed = api.client.get("/v1/shipping/exemptions", headers=api.m1).json()
    assert [
        (e["week"]["first_day"], e["status"], e["granted"], e["carried_in"]) for e in listed
    ] == [("2024-03-18", "unused", 0, 1), ("2024-03-11", "carried_over", 1, 0)]
    api.clock.advance_to(at("2024-03-20T10:00:01+08:00"))
    waived = report(api, "late-1", paid="2024-03-18T10:00:00+08:00")
    assert waived.status_code == 201 and waived.json()["outcome"] == "waived"
    assert waived.json()["policy_version"] == "2024-03-11"


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "2024-03-11", "9999-12-27"])
def test_a_week_filter_of_any_year_answers(api: Api, week: str) -> None:
    for path in ("/v1/shipping/exemptions", "/v1/shipping/overdue-shipments"):
        response = api.client.get(path, params={"week": week}, headers=api.operator)
        expected = 422 if week == "9999-12-31" else 200  # a Friday; the others are Mondays
        assert response.status_code == expected, response.text
