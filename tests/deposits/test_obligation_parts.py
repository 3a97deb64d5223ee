"""Top-up obligations through the API and the cycle: each increase on its own clock, opened
at the moment that caused it — a policy version at its ``effective_from``, a cover lapsed
unrenewed at its ``ends_at`` (DEP-3, DEP-4, DEP-7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from importlib import resources

import pytest
from sqlalchemy import select

from shopwarden.deposits.tables import ObligationRow, ProceedsRow
from tests.api.conftest import Api
from tests.deposits.conftest import fund, pay, post

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")
SWITCH = datetime.fromisoformat("2024-03-10T00:00:00+08:00")


def _dearer_version() -> str:
    """The bundled deposits version, as a new version from SWITCH needing 1500.00 by default."""
    text = (
        resources.files("shopwarden.policy")
        .joinpath("defaults/deposits/2023-01-01.yaml")
        .read_text(encoding="utf-8")
    )
    text = re.sub(r"^version: .*$", 'version: "2024-03-10"', text, flags=re.M)
    text = re.sub(
        r"^effective_from: .*$", f'effective_from: "{SWITCH.isoformat()}"', text, flags=re.M
    )
    text = re.sub(r'default_required: "1000.00"', 'default_required: "1500.00"', text)
    assert '"1500.00"' in text
    return text


def _publish(api: Api) -> None:
    api.container.policies.publish(_dearer_version(), now=api.clock.now())


def _obligations(api: Api) -> list[ObligationRow]:
    with api.container.db.transaction() as session:
        return list(session.scalars(select(ObligationRow).order_by(ObligationRow.id)))


def _badges_revoked(api: Api) -> bool:
    found = api.client.get("/v1/deposits/overview", headers=api.m1).json()
    return bool(found["store"]["badges_revoked"])


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-4")
def test_a_dearer_version_opens_its_obligation_at_its_effective_from(api: Api) -> None:
    fund(api, "m1", "3000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    _publish(api)
    api.clock.advance_to(SWITCH + timedelta(hours=15))
    api.container.run_cycle(api.clock.now())
    (found,) = _obligations(api)
    assert found.opened_at == SWITCH and found.reason == "policy_version"
    assert (found.amount, found.amount_due) == (50_000, 50_000)
    shown = api.client.get("/v1/deposits/obligations", headers=api.m1).json()
    assert shown[0]["since"] == "2024-03-09T16:00:00Z"
    assert [d["at"] for d in shown[0]["deadlines"]] == [
        "2024-03-12T16:00:00Z",
        "2024-03-14T16:00:00Z",
    ]
    decisions = api.client.get(
        "/v1/decisions", params={"rule_id": "DEP-3"}, headers=api.operator
    ).json()
    assert decisions[0]["as_of"] == "2024-03-09T16:00:00Z"
    assert decisions[0]["policy_version"] == "2024-03-10"
    cause = {i["measure"]: i["value"] for i in decisions[0]["explanation"]}["cause"]
    assert "2024-03-10" in cause
    # the clock runs from the version's start, not from the cycle that found the rise
    api.clock.advance_to(SWITCH + timedelta(days=3, seconds=-1))
    api.container.run_cycle(api.clock.now())
    assert not _badges_revoked(api)
    api.clock.advance_to(SWITCH + timedelta(days=3))
    api.container.run_cycle(api.clock.now())
    assert _badges_revoked(api)


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-4")
def test_a_cycle_that_runs_late_escalates_from_the_effective_from(api: Api) -> None:
    fund(api, "m1", "3000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    _publish(api)
    api.clock.advance_to(SWITCH + timedelta(days=5, hours=1))
    api.container.run_cycle(api.clock.now())
    (found,) = _obligations(api)
    assert found.opened_at == SWITCH
    assert found.badges_revoked_at is not None and found.shielded_at is not None


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-5")
def test_a_payment_after_the_switch_meets_what_opened_at_the_switch(api: Api) -> None:
    fund(api, "m1", "3000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    _publish(api)
    api.clock.advance_to(SWITCH + timedelta(hours=2))
    assert pay(api, "m1", "500.00", "p2").status_code == 201
    (found,) = _obligations(api)
    assert (found.opened_at, found.status, found.paid) == (SWITCH, "met", 50_000)
    timeline = api.client.get("/v1/deposits/timeline", headers=api.m1).json()
    kinds = [(e["kind"], e["rule_id"]) for e in timeline]
    assert kinds[-2:] == [("cash_paid", "DEP-3"), ("obligation_met", "DEP-3")]


@pytest.mark.rule("DEP-3")
def test_a_product_change_before_enrolment_opens_nothing(api: Api) -> None:
    phone = {
        "id": "p",
        "merchant_id": "m1",
        "title": "Phone",
        "category": "mobile_phones",
        "listed": True,
        "skus": [{"sku_id": "s", "price": "9.00"}],
    }
    assert api.client.post("/v1/products", json=phone, headers=api.m1).status_code == 201
    assert _obligations(api) == []


@pytest.mark.rule("DEP-3")
def test_delisting_releases_the_newest_obligation_first(api: Api) -> None:
    fund(api, "m1", "9000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    case = {"case_id": "c1", "merchant_id": "m1", "consumer": "b", "claimed": "100.00"}
    assert post(api, "/v1/deposits/after-sales", case, who=api.operator).status_code == 201
    comp = post(
        api,
        "/v1/deposits/after-sales/c1/compensation",
        {"amount": "100.00"},
        who=api.operator,
        key="c1",
    )
    assert comp.status_code == 201
    api.clock.advance_to(T0 + timedelta(hours=5))
    watch = {
        "id": "w",
        "merchant_id": "m1",
        "title": "Watch",
        "category": "mechanical_watches",
        "listed": True,
        "skus": [{"sku_id": "s", "price": "9.00"}],
    }
    assert api.client.post("/v1/products", json=watch, headers=api.m1).status_code == 201
    first, second = _obligations(api)
    assert (first.amount_due, second.amount_due) == (10_000, 400_000)
    assert second.opened_at == T0 + timedelta(hours=5)
    api.clock.advance_to(T0 + timedelta(hours=6))
    delist = api.client.patch("/v1/products/w", json={"listed": False}, headers=api.m1)
    assert delist.status_code == 200
    first, second = _obligations(api)
    assert (first.status, first.amount_due) == ("open", 10_000)  # keeps the oldest clock
    assert (second.status, second.released) == ("met", 400_000)


@pytest.mark.rule("DEP-4")
@pytest.mark.rule("DEP-5")
def test_proceeds_stay_held_while_another_shield_covers_their_order(api: Api) -> None:
    fund(api, "m1", "9000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    for n, hours in ((1, 0), (2, 12)):
        api.clock.advance_to(T0 + timedelta(hours=hours))
        case = {"case_id": f"c{n}", "merchant_id": "m1", "consumer": "b", "claimed": "100.00"}
        assert post(api, "/v1/deposits/after-sales", case, who=api.operator).status_code == 201
        body = {"amount": "100.00"}
        path = f"/v1/deposits/after-sales/c{n}/compensation"
        assert post(api, path, body, who=api.operator, key=f"c{n}").status_code == 201
    api.clock.advance_to(T0 + timedelta(days=5, hours=12))
    api.container.run_cycle(api.clock.now())  # both shielded: the first at 5 d, then the second
    order = {"merchant_id": "m1", "order_id": "o1", "amount": "50.00"}
    assert post(api, "/v1/deposits/proceeds", order, who=api.operator, key="o1").json()["held"]
    api.clock.advance_to(T0 + timedelta(days=5, hours=13))
    assert pay(api, "m1", "100.00", "top-up-1").status_code == 201  # meets the oldest only
    api.clock.advance_to(T0 + timedelta(days=6, hours=13))
    api.container.run_cycle(api.clock.now())  # the first shield lifts; the second holds on
    with api.container.db.transaction() as session:
        held = session.scalars(select(ProceedsRow)).one()
        first, second = session.scalars(select(ObligationRow).order_by(ObligationRow.id))
        assert first.shield_lifted_at is not None and second.shield_lifted_at is None
        assert held.released_at is None and held.obligation_id == second.id
    overview = api.client.get("/v1/deposits/overview", headers=api.m1).json()
    assert overview["store"]["shielded"] and overview["store"]["proceeds_held"] == "50.00"


def _cover_then_unfreeze(api: Api) -> datetime:
    """m1 holds 1000.00, buys a year of cover and unfreezes its cash (DEP-6, DEP-7); the
    cover's end."""
    fund(api, "m1", "3000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    cover = post(api, "/v1/deposits/insurance", {"merchant_id": "m1"}, who=api.m1, key="c1")
    assert cover.status_code == 201, cover.text
    body = {"merchant_id": "m1"}
    assert post(api, "/v1/deposits/cash/unfreeze", body, who=api.m1, key="u1").status_code == 201
    return datetime.fromisoformat(cover.json()["ends_at"])


@pytest.mark.rule("DEP-7")
@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-4")
def test_a_lapse_found_by_a_payment_opens_at_the_cover_end(api: Api) -> None:
    ends = _cover_then_unfreeze(api)
    api.clock.advance_to(ends + timedelta(hours=20))
    assert pay(api, "m1", "400.00", "p2").status_code == 201  # before any cycle
    (found,) = _obligations(api)
    assert (found.opened_at, found.reason, found.status) == (ends, "insurance_lapse", "open")
    assert (found.amount, found.paid, found.amount_due) == (100_000, 40_000, 60_000)
    decisions = api.client.get(
        "/v1/decisions", params={"rule_id": "DEP-3"}, headers=api.operator
    ).json()
    assert [d["as_of"] for d in decisions] == [ends.isoformat().replace("+00:00", "Z")]
    # the cycle that records the lapse later opens nothing more, and the lapse is at the end
    api.clock.advance_to(ends + timedelta(days=1))
    api.container.run_cycle(api.clock.now())
    assert [o.id for o in _obligations(api)] == [found.id]
    shown = api.client.get("/v1/deposits/overview", headers=api.m1).json()
    assert shown["insurance"]["lapsed_at"] == decisions[0]["as_of"]
    api.clock.advance_to(ends + timedelta(days=3, seconds=-1))
    api.container.run_cycle(api.clock.now())
    assert not _badges_revoked(api)
    api.clock.advance_to(ends + timedelta(days=3))
    api.container.run_cycle(api.clock.now())
    assert _badges_revoked(api)


@pytest.mark.rule("DEP-7")
@pytest.mark.rule("DEP-4")
def test_a_cycle_that_runs_late_escalates_a_lapse_from_the_cover_end(api: Api) -> None:
    ends = _cover_then_unfreeze(api)
    api.clock.advance_to(ends + timedelta(days=5, hours=1))
    api.container.run_cycle(api.clock.now())
    (found,) = _obligations(api)
    assert (found.opened_at, found.reason) == (ends, "insurance_lapse")
    assert found.badges_revoked_at is not None and found.shielded_at is not None


@pytest.mark.rule("DEP-7")
def test_a_renewed_cover_opens_nothing_at_its_end(api: Api) -> None:
    ends = _cover_then_unfreeze(api)
    api.clock.advance_to(ends - timedelta(days=1))
    renewal = post(api, "/v1/deposits/insurance", {"merchant_id": "m1"}, who=api.m1, key="c2")
    assert renewal.status_code == 201, renewal.text
    api.clock.advance_to(ends + timedelta(hours=1))
    assert pay(api, "m1", "10.00", "p2").status_code == 201
    api.container.run_cycle(api.clock.now())
    assert _obligations(api) == []
