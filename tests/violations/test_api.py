"""Cases, enforcement and appeals through the HTTP API, on SQLite and PostgreSQL (VIO-1..6)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from shopwarden.families import metadata
from shopwarden.ledger.verify import verify_ledger
from tests.api.conftest import Api
from tests.violations.conftest import CASES, check, fund, open_case, product

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")
WEEK_LATER = "2024-03-08T09:00:00+08:00"
VIOLATION_TABLES = [t for t in metadata.sorted_tables if t.name.startswith("violation_")]


def state(api: Api) -> tuple[Any, ...]:
    ops = api.operator
    with api.container.db.transaction() as session:
        counts = {
            t.name: session.scalar(select(func.count()).select_from(t)) for t in VIOLATION_TABLES
        }
    return (
        api.client.get("/v1/ledger/accounts", headers=ops).json(),
        api.client.get("/v1/decisions", headers=ops).json(),
        api.client.get("/v1/products", headers=ops).json(),
        counts,
    )


def clean(api: Api) -> None:
    with api.container.db.transaction() as session:
        assert verify_ledger(session) == []


def listed(api: Api, product_id: str) -> bool:
    found = api.client.get(f"/v1/products/{product_id}", headers=api.operator).json()
    return bool(found["listed"])


def relist(api: Api, product_id: str) -> Any:
    return api.client.patch(
        f"/v1/products/{product_id}", json={"listed": True}, headers=api.operator
    )


def refused(response: Any, rule: str, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert (body["rule"], body["field"]) == (rule, field), body
    return body


@pytest.mark.rule("VIO-1")
def test_every_listing_path_is_refused_under_delist_and_ban_and_allowed_after_lifting(
    api: Api,
) -> None:
    assert product(api, "p1").status_code == 201
    assert product(api, "p2", listed=False).status_code == 201
    opened = open_case(api, [{"measure": "delist_and_ban", "ends_at": WEEK_LATER}])
    assert opened.status_code == 201, opened.text
    ban = opened.json()["measures"][0]
    assert (ban["delisted_count"], ban["in_force"]) == (1, True)
    assert not listed(api, "p1")  # taken off sale when the case opened
    case_id, end = opened.json()["id"], "2024-03-08T01:00:00Z"
    body = refused(product(api, "p3"), "VIO-1", "merchant_id")  # create
    assert (body["case_id"], body["ends_at"], body["action"]) == (case_id, end, "create_product")
    assert refused(relist(api, "p1"), "VIO-1", "listed")["action"] == "relist_product"
    assert refused(relist(api, "p2"), "VIO-1", "listed")["action"] == "list_product"
    enable = {"agreement_version": "bnpl-service-agreement-2.0", "accepted": True}
    bnpl = api.client.post("/v1/bnpl/stores/m1/enable", json=enable, headers=api.operator)
    refused(bnpl, "VIO-1", "merchant_id")
    assert product(api, "p1x", merchant_id="m2").status_code == 201  # another merchant: free
    # lifted by time: one second before the end still refused, at the end allowed
    api.clock.advance_to(datetime.fromisoformat(WEEK_LATER) - timedelta(seconds=1))
    refused(relist(api, "p1"), "VIO-1", "listed")
    api.clock.advance_to(datetime.fromisoformat(WEEK_LATER))
    assert not listed(api, "p1")  # not relisted by itself
    assert relist(api, "p1").status_code == 200
    assert relist(api, "p2").status_code == 200
    assert product(api, "p3").status_code == 201
    clean(api)


@pytest.mark.rule("VIO-5")
def test_an_operator_lifts_a_measure_and_the_lifting_is_recorded(api: Api) -> None:
    assert product(api, "p1").status_code == 201
    opened = open_case(api, [{"measure": "delist_and_ban"}])  # until lifted
    measure_id = opened.json()["measures"][0]["id"]
    refused(relist(api, "p1"), "VIO-1", "listed")
    path = f"/v1/violations/measures/{measure_id}/lifting"
    assert api.client.post(path, json={"reason": "x"}, headers=api.m1).status_code == 403
    lifted = api.client.post(path, json={"reason": "evidence withdrawn"}, headers=api.operator)
    assert lifted.status_code == 200, lifted.text
    assert (lifted.json()["lifted_by"], lifted.json()["in_force"]) == ("operator", False)
    assert relist(api, "p1").status_code == 200
    again = api.client.post(path, json={"reason": "twice"}, headers=api.operator)
    assert again.status_code == 409
    decisions = api.client.get("/v1/decisions", headers=api.operator).json()
    assert any(d["rule_id"] == "VIO-5" and d["outcome"] == "lifted" for d in decisions)


@pytest.mark.rule("VIO-2")
@pytest.mark.rule("VIO-3")
def test_the_enforcement_endpoint_answers_each_action(api: Api) -> None:
    measures = [
        {"measure": "suspend_cart", "ends_at": WEEK_LATER},
        {"measure": "mute", "ends_at": "2024-03-02T09:00:00+08:00"},
    ]
    assert open_case(api, measures).status_code == 201
    for action in ("live_sell", "short_video_sell", "store_entry"):
        answer = check(api, action)
        assert (answer["allowed"], answer["rule"], answer["measure"]) == (
            False,
            "VIO-2",
            "suspend_cart",
        )
        assert answer["ends_at"] == "2024-03-08T01:00:00Z"
    muted = check(api, "private_message", who=api.m1)  # a merchant asks about itself
    assert (muted["allowed"], muted["rule"]) == (False, "VIO-3")
    assert check(api, "list_product")["allowed"] is True
    assert check(api, "live_sell", merchant_id="m2")["allowed"] is True
    api.clock.advance_to(datetime.fromisoformat("2024-03-02T09:00:00+08:00"))
    assert check(api, "private_message")["allowed"] is True
    assert check(api, "store_entry")["allowed"] is False
    other = api.client.get(
        "/v1/violations/enforcement",
        params={"merchant_id": "m1", "action": "live_sell"},
        headers=api.m2,
    )
    assert other.status_code == 404
    bad = api.client.get(
        "/v1/violations/enforcement",
        params={"merchant_id": "m1", "action": "dance"},
        headers=api.operator,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "action"


@pytest.mark.rule("VIO-4")
def test_the_exposure_weight_is_readable_while_reduced_recommendation_is_in_force(
    api: Api,
) -> None:
    def weight() -> str:
        found = api.client.get("/v1/violations/exposure", headers=api.m1)
        assert found.status_code == 200, found.text
        return str(found.json()["weight"])

    assert weight() == "1"
    measures = [{"measure": "reduced_recommendation", "ends_at": WEEK_LATER}]
    assert open_case(api, measures).status_code == 201
    assert weight() == "0.5"
    status = api.client.get("/v1/violations/status", headers=api.m1).json()
    assert status["exposure_weight"] == "0.5"
    assert all(a["allowed"] for a in status["actions"].values())
    api.clock.advance_to(datetime.fromisoformat(WEEK_LATER))
    assert weight() == "1"


@pytest.mark.rule("VIO-6")
def test_an_upheld_appeal_lifts_the_measures_and_gives_the_penalty_back(api: Api) -> None:
    fund(api, "m1", "1000.00")
    assert product(api, "p1").status_code == 201
    opened = open_case(api, [{"measure": "delist_and_ban"}], penalty="300.00")
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["penalty"] == "300.00"
    wallet = "/v1/ledger/accounts/merchant:m1:wallet"
    assert api.client.get(wallet, headers=api.m1).json()["posted"] == "700.00"
    appeal = api.client.post(
        "/v1/violations/appeals",
        json={"case_id": case["id"], "statement": "the goods are genuine"},
        headers=api.m1,
    )
    assert appeal.status_code == 201, appeal.text
    queue = api.client.get("/v1/violations/queues/appeals", headers=api.operator).json()
    assert [a["id"] for a in queue] == [appeal.json()["id"]]
    path = f"/v1/violations/appeals/{appeal.json()['id']}/decision"
    decided = api.client.post(
        path,
        json={"outcome": "upheld", "reason": "brand owner withdrew the report"},
        headers={**api.operator, "Idempotency-Key": "uphold-1"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["refund_transaction_id"] is not None
    assert api.client.get(wallet, headers=api.m1).json()["posted"] == "1000.00"
    seen = api.client.get(f"/v1/violations/appeals/{appeal.json()['id']}", headers=api.m1)
    assert (seen.json()["status"], seen.json()["reason"]) == (
        "upheld",
        "brand owner withdrew the report",
    )
    assert not listed(api, "p1")  # may be listed again, not relisted by itself
    assert relist(api, "p1").status_code == 200
    replay = api.client.post(
        path,
        json={"outcome": "upheld", "reason": "brand owner withdrew the report"},
        headers={**api.operator, "Idempotency-Key": "uphold-1"},
    )
    assert replay.json() == decided.json()
    assert api.client.get(wallet, headers=api.m1).json()["posted"] == "1000.00"
    assert api.client.get("/v1/violations/queues/appeals", headers=api.operator).json() == []
    clean(api)


@pytest.mark.rule("VIO-6")
def test_a_rejected_appeal_changes_nothing_and_an_appeal_is_decided_once(api: Api) -> None:
    fund(api, "m1", "1000.00")
    case = open_case(api, [{"measure": "mute"}], penalty="100.00").json()
    appeal = api.client.post(
        "/v1/violations/appeals",
        json={"case_id": case["id"], "target": "penalty", "statement": "too much"},
        headers=api.m1,
    ).json()
    path = f"/v1/violations/appeals/{appeal['id']}/decision"
    body = {"outcome": "rejected", "reason": "the evidence stands"}
    rejected = api.client.post(path, json=body, headers={**api.operator, "Idempotency-Key": "r"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert check(api, "private_message")["allowed"] is False
    wallet = api.client.get("/v1/ledger/accounts/merchant:m1:wallet", headers=api.m1).json()
    assert wallet["posted"] == "900.00"
    before = state(api)
    again = api.client.post(path, json=body, headers={**api.operator, "Idempotency-Key": "r2"})
    assert again.status_code == 409
    second = api.client.post(
        "/v1/violations/appeals",
        json={"case_id": case["id"], "target": "case", "statement": "again"},
        headers=api.m1,
    )
    assert second.status_code == 409 and second.json()["field"] == "target"
    assert state(api) == before
    clean(api)


@pytest.mark.rule("VIO-6")
def test_an_appeal_at_the_deadline_instant_is_accepted_one_second_later_refused(
    api: Api,
) -> None:
    first = open_case(api, [{"measure": "mute"}], key="c1").json()
    second = open_case(api, [{"measure": "mute"}], key="c2").json()
    deadline = datetime.fromisoformat(first["appeal_deadline"])
    assert deadline == T0 + timedelta(days=7)
    api.clock.advance_to(deadline)
    at_deadline = api.client.post(
        "/v1/violations/appeals",
        json={"case_id": first["id"], "statement": "in time"},
        headers=api.m1,
    )
    assert at_deadline.status_code == 201, at_deadline.text
    api.clock.advance_to(deadline + timedelta(seconds=1))
    before = state(api)
    late = api.client.post(
        "/v1/violations/appeals",
        json={"case_id": second["id"], "statement": "late"},
        headers=api.m1,
    )
    refused(late, "VIO-6", "case_id")
    assert state(api) == before
    other = api.client.post(
        "/v1/violations/appeals", json={"case_id": first["id"], "statement": "x"}, headers=api.m2
    )
    assert other.status_code == 404


@pytest.mark.rule("VIO-5")
@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"measures": [{"measure": "banish"}]}, 422, "measures.0.measure"),
        (
            {"measures": [{"measure": "mute", "ends_at": "2024-03-01T08:00:00+08:00"}]},
            422,
            "measures.0.ends_at",
        ),
        (
            {"measures": [{"measure": "mute", "starts_at": "2024-03-01T08:59:59+08:00"}]},
            422,
            "measures.0.starts_at",
        ),
        (
            {
                "measures": [
                    {
                        "measure": "mute",
                        "starts_at": "2024-03-02T00:00:00+08:00",
                        "ends_at": "2024-03-02T00:00:00+08:00",
                    }
                ]
            },
            422,
            "measures.0.ends_at",
        ),
        ({"measures": [{"measure": "mute"}], "penalty": "5000.00"}, 422, "penalty"),
        ({"measures": []}, 422, "body"),
        ({"merchant_id": "nobody", "measures": [{"measure": "mute"}]}, 404, "merchant_id"),
    ],
)
def test_a_refused_case_changes_nothing(
    api: Api, body: dict[str, Any], status: int, field: str
) -> None:
    fund(api, "m1", "100.00")
    assert product(api, "p1").status_code == 201
    before = state(api)
    request = {"merchant_id": "m1", "broken_rule": "r", "evidence": "e", **body}
    headers = {**api.operator, "Idempotency-Key": "bad"}
    response = api.client.post(CASES, json=request, headers=headers)
    assert response.status_code == status, response.text
    assert response.json().get("field", "body").startswith(field), response.json()
    assert state(api) == before
    clean(api)


@pytest.mark.rule("VIO-1")
@pytest.mark.rule("VIO-5")
def test_the_cycle_starts_scheduled_measures_and_records_their_end(api: Api) -> None:
    assert product(api, "p1").status_code == 201
    measures = [
        {
            "measure": "delist_and_ban",
            "starts_at": "2024-03-02T00:00:00+08:00",
            "ends_at": "2024-03-03T00:00:00+08:00",
        }
    ]
    assert open_case(api, measures).status_code == 201
    assert listed(api, "p1")  # not started yet
    ending = api.client.get("/v1/violations/queues/ending", headers=api.operator).json()
    assert [e["measure"]["measure"] for e in ending] == ["delist_and_ban"]

    def cycle(at: str) -> dict[str, Any]:
        api.clock.advance_to(datetime.fromisoformat(at))
        run = api.client.post("/v1/cycle/runs", json={"as_of": at}, headers=api.operator)
        assert run.status_code in (200, 201), run.text
        steps = run.json()["steps"]
        return {s.pop("step"): {k: v for k, v in s.items() if k != "rules"} for s in steps}

    started = cycle("2024-03-02T00:00:00+08:00")
    assert started["violations-measures-start"] == {"started": 1, "delisted": 1}
    assert not listed(api, "p1")
    ended = cycle("2024-03-03T00:00:00+08:00")
    assert ended["violations-measures-end"] == {"lifted": 1}
    measure = api.client.get("/v1/violations/measures?merchant_id=m1", headers=api.operator)
    assert measure.json()[0]["lifted_by"] == "time"
    assert measure.json()[0]["lifted_at"] == "2024-03-02T16:00:00Z"
