"""Trust purchase through the API on SQLite and PostgreSQL: the badge granted by the last
right, removed by a right or a missed threshold; look-up; the merchant view; who sees what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.trust.conftest import REQUIRED, cycle, ingest, marketplace, product, switch
from tests.trust.orders import Batch


def all_on(api: Api, product_id: str, token: dict[str, str]) -> Any:
    answer = switch(api, product_id, token, **dict.fromkeys(REQUIRED, True))
    assert answer.status_code == 200, answer.text
    return answer.json()


def trust_decisions(api: Api, token: dict[str, str]) -> list[dict[str, Any]]:
    answer = api.client.get("/v1/decisions", params={"rule_id": "TRUST-2"}, headers=token)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


@pytest.mark.rule("TRUST-2")
def test_the_last_required_right_grants_the_badge(api: Api, tmp_path: Path) -> None:
    marketplace(api, tmp_path)
    report = cycle(api)
    assert report["identities_measured"] == 3, report
    for code in REQUIRED[:-1]:
        answer = switch(api, "p1", api.m1, **{code: True})
        assert answer.status_code == 200, answer.text
        assert answer.json()["badge"] is False
    body = answer.json()
    assert [r["code"] for r in body["rights_missing"]] == [REQUIRED[-1]]
    assert body["thresholds_met"] is True, body
    answer = switch(api, "p1", api.m1, **{REQUIRED[-1]: True})
    assert answer.json()["badge"] is True, answer.json()
    assert answer.json()["rights_missing"] == []
    (granted,) = trust_decisions(api, api.m1)
    assert granted["outcome"] == "granted" and granted["subject"] == "product:p1"
    measures = [item["measure"] for item in granted["explanation"]]
    assert measures[0] == "goods_owner experience_score"
    assert measures[-len(REQUIRED) :] == [
        "right seven_day_return (七天无理由退货)",
        "right return_shipping_insurance (退货运费险)",
        "right counterfeit_compensation (假一赔十)",
        "right shipping_time_guarantee (发货时效保障)",
    ]
    # switching a required right off removes it in the same request
    answer = switch(api, "p1", api.m1, counterfeit_compensation=False)
    assert answer.json()["badge"] is False
    assert [d["outcome"] for d in trust_decisions(api, api.m1)] == ["removed", "granted"]


@pytest.mark.rule("TRUST-2")
@pytest.mark.rule("TRUST-4")
def test_same_merchant_passes_as_goods_owner_and_fails_as_seller(api: Api, tmp_path: Path) -> None:
    marketplace(api, tmp_path)
    cycle(api)
    assert all_on(api, "p1", api.m1)["badge"] is True
    seller = all_on(api, "p2", api.m1)
    assert seller["badge"] is False and seller["identity"] == "seller"
    improve = {t["code"]: t for t in seller["metrics_to_improve"]}
    assert improve["paid_orders"]["value"] == "10" and improve["paid_orders"]["gap"] == "40"
    assert improve["complaint_rate"]["value"] == "0.1000"
    view = api.client.get("/v1/trust/view", headers=api.m1).json()
    owner, promoted = view["identities"]
    assert (owner["identity"], owner["met"]) == ("goods_owner", True)
    assert (promoted["identity"], promoted["met"]) == ("seller", False)
    assert owner["products"]["badged"] == 1 and promoted["products"]["badged"] == 0
    assert promoted["products"]["rights_enabled"]["seven_day_return"] == 1
    assert view["channels"]["store"]["badge"] is True  # its one own listed product holds it
    assert view["channels"]["live_room"]["badge"] is False  # it sells as seller too, unmet
    assert view["benefits"]["now"]["live_traffic_weight"] == "1.10"


@pytest.mark.rule("TRUST-2")
def test_a_threshold_missed_by_one_order_removes_the_badge(api: Api, tmp_path: Path) -> None:
    """100 orders of the last 30 days meet paid orders >= 100; the next day one of them
    leaves the window and the cycle removes the badge."""
    product(api, "p1", title="防摔手机壳 iPhone 15")
    ingest(api, tmp_path, [Batch("m1", "p1", 100, days=1)])  # all paid on 2024-03-01
    ingest(api, tmp_path, [Batch("m1", "p1", 99, days=1, prefix="b")], name="later")
    cycle(api, "2024-03-31T00:00:00+08:00")  # window 03-01..03-30: 199 orders
    assert all_on(api, "p1", api.m1)["badge"] is True
    report = cycle(api, "2024-04-01T00:00:00+08:00")  # window 03-02..03-31: 0 orders
    assert report["removed"] == 1, report


@pytest.mark.rule("TRUST-3")
def test_lookup_by_fragment_and_by_id_for_the_merchant_s_own_products(
    api: Api, tmp_path: Path
) -> None:
    marketplace(api, tmp_path)
    cycle(api)

    def find(q: str, token: dict[str, str]) -> list[str]:
        answer = api.client.get("/v1/trust/lookup", params={"q": q}, headers=token)
        assert answer.status_code == 200, answer.text
        return [p["product_id"] for p in answer.json()]

    assert find("手机壳", api.operator) == ["p1", "p9"]
    assert find("手机壳", api.m1) == ["p1"]
    assert find("IPHONE", api.m1) == ["p1"]
    assert find("壳", api.m2) == ["p9"]
    assert find("p2", api.m1) == ["p2"]
    assert find("p2", api.m2) == []
    assert find("壳手机", api.operator) == []  # the pairs alone are not enough: LIKE confirms
    assert find("100%", api.operator) == []
    answer = api.client.get("/v1/trust/lookup", params={"q": "机壳"}, headers=api.m1).json()
    assert [r["code"] for r in answer[0]["rights_missing"]] == list(REQUIRED)


@pytest.mark.rule("TRUST-3")
def test_a_renamed_product_is_found_by_its_new_name(api: Api) -> None:
    product(api, "p1", title="防摔手机壳")
    patch = api.client.patch(
        "/v1/products/p1", json={"title": "Silk Scarf 真丝围巾"}, headers=api.operator
    )
    assert patch.status_code == 200, patch.text
    lookup = api.client.get("/v1/trust/lookup", params={"q": "围巾"}, headers=api.m1).json()
    assert [p["title"] for p in lookup] == ["Silk Scarf 真丝围巾"]
    assert api.client.get("/v1/trust/lookup", params={"q": "手机"}, headers=api.m1).json() == []


@pytest.mark.rule("TRUST-3")
def test_another_merchant_s_product_answers_404_and_changes_nothing(api: Api) -> None:
    product(api, "p9", merchant_id="m2", title="透明手机壳")
    assert api.client.get("/v1/trust/products/p9", headers=api.m1).status_code == 404
    answer = switch(api, "p9", api.m1, seven_day_return=True)
    assert answer.status_code == 404, answer.text
    status = api.client.get("/v1/trust/products/p9", headers=api.m2).json()
    assert status["rights_enabled"] == []
    assert (
        api.client.get("/v1/trust/view", params={"merchant_id": "m2"}, headers=api.m1).status_code
        == 404
    )
    assert api.client.post("/v1/trust/decisions", headers=api.m1).status_code == 403


@pytest.mark.rule("TRUST-1")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rights": {"free_massage": True}}, "rights"),
        ({"rights": {"seven_day_return": "yes"}}, "rights"),
        ({"rights": {}}, "rights"),
        ({"rights": {"Bad Code": True}}, "rights"),
        ({}, "rights"),
    ],
)
def test_bad_rights_are_refused_naming_the_field(api: Api, body: Any, field: str) -> None:
    product(api, "p1", title="防摔手机壳")
    answer = api.client.put("/v1/trust/products/p1/rights", json=body, headers=api.m1)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    status = api.client.get("/v1/trust/products/p1", headers=api.m1).json()
    assert status["rights_enabled"] == []


@pytest.mark.rule("TRUST-3")
def test_bad_lookups_are_refused_naming_the_field(api: Api) -> None:
    for params in ({"q": ""}, {"q": "x" * 101}, {}, {"q": "a", "limit": 0}):
        answer = api.client.get("/v1/trust/lookup", params=params, headers=api.m1)
        assert answer.status_code == 422, (params, answer.text)
    answer = api.client.get("/v1/trust/products/bad%20id", headers=api.m1)
    assert answer.status_code in (404, 422), answer.text
    assert api.client.get("/v1/trust/view", headers=api.operator).status_code == 422


@pytest.mark.rule("TRUST-1")
def test_the_catalogue_lists_product_and_after_sales_rights(api: Api) -> None:
    body = api.client.get("/v1/trust/rights", headers=api.m1).json()
    kinds = {r["code"]: (r["kind"], r["required"]) for r in body["rights"]}
    assert kinds["counterfeit_compensation"] == ("product", True)
    assert kinds["fast_refund"] == ("after_sales", False)


@pytest.mark.rule("TRUST-2")
@pytest.mark.rule("TRUST-4")
def test_a_product_moved_to_the_other_identity_is_decided_again(api: Api, tmp_path: Path) -> None:
    """The product listener: p1, badged as the goods owner's, becomes a promoted product; the
    seller identity misses its thresholds, so the edit itself removes the badge."""
    marketplace(api, tmp_path)
    cycle(api)
    assert all_on(api, "p1", api.m1)["badge"] is True
    moved = api.client.patch("/v1/products/p1", json={"origin": "distributed"}, headers=api.m1)
    assert moved.status_code == 200, moved.text
    status = api.client.get("/v1/trust/products/p1", headers=api.m1).json()
    assert (status["identity"], status["badge"]) == ("seller", False)
    assert [d["outcome"] for d in trust_decisions(api, api.m1)] == ["removed", "granted"]
    back = api.client.patch("/v1/products/p1", json={"origin": "self_built"}, headers=api.m1)
    assert back.status_code == 200, back.text
    assert api.client.get("/v1/trust/products/p1", headers=api.m1).json()["badge"] is True


@pytest.mark.rule("TRUST-2")
def test_a_second_decision_changes_nothing(api: Api, tmp_path: Path) -> None:
    marketplace(api, tmp_path)
    cycle(api)
    all_on(api, "p1", api.m1)
    again = api.client.post("/v1/trust/decisions", headers=api.operator)
    assert again.status_code == 200, again.text
    assert (again.json()["granted"], again.json()["removed"]) == (0, 0)
    assert len(trust_decisions(api, api.operator)) == 1
