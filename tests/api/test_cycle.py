"""The governance cycle runs once per instant: the second run for it changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shopwarden.cycle.tables import CycleRunRow
from shopwarden.errors import InvalidInput
from tests.api.conftest import Api


@pytest.mark.rule("POL-1")
def test_cycle_twice_for_one_instant_changes_nothing(api: Api) -> None:
    as_of = api.clock.now().isoformat()
    first = api.client.post("/v1/cycle/runs", json={"as_of": as_of}, headers=api.operator).json()
    second = api.client.post("/v1/cycle/runs", json={"as_of": as_of}, headers=api.operator).json()
    assert first["already_run"] is False
    assert second["already_run"] is True
    assert second["steps"] == first["steps"]
    in_force = next(s for s in first["steps"] if s["step"] == "policies-in-force")["in_force"]
    assert in_force["deposits"]
    with api.container.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CycleRunRow)) == 1


def test_cycle_refuses_the_future(api: Api) -> None:
    with pytest.raises(InvalidInput) as refused:
        api.container.run_cycle(api.clock.now() + timedelta(seconds=1))
    assert refused.value.field == "as_of"


def test_cycle_needs_a_zone(api: Api) -> None:
    response = api.client.post(
        "/v1/cycle/runs", json={"as_of": "2024-03-01T09:00:00"}, headers=api.operator
    )
    assert response.status_code == 422
    assert response.json()["field"] == "as_of"


def test_steps_run_in_the_declared_family_order(api: Api) -> None:
    """Deposits' steps lock merchants before BNPL's touch ledger accounts (no deadlock)."""
    from shopwarden.families import CYCLE_STEPS, FAMILIES

    declared = [step.name for family in FAMILIES for step in family.steps]
    assert [step.name for step in api.container.steps] == declared
    first_bnpl = declared.index(next(n for n in declared if n.startswith("bnpl-")))
    assert all(n.startswith(("policies-", "deposits-")) for n in declared[:first_bnpl])
    assert api.container.steps == CYCLE_STEPS
    as_of = api.clock.now().isoformat()
    run = api.client.post("/v1/cycle/runs", json={"as_of": as_of}, headers=api.operator).json()
    names = [s["step"] for s in run["steps"]]
    assert names[0] == "policies-in-force"
    assert declared == names
