"""The violation rules as pure functions (VIO-1..6): both sides of every boundary."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shopwarden.errors import Conflict, InvalidInput, RuleRefused
from shopwarden.violations import appeal_rules, rules
from shopwarden.violations.appeal_rules import Contested
from shopwarden.violations.policy import ViolationsPolicy
from shopwarden.violations.rules import MeasureFacts, Terms

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")
SECOND = timedelta(seconds=1)
POLICY_2023 = ViolationsPolicy.model_validate(
    {
        "measures": {
            "delist_and_ban": {
                "rule": "VIO-1",
                "description": "off sale",
                "delist_on_start": True,
                "forbids": ["create_product", "list_product", "relist_product", "promote_product"],
            },
            "suspend_cart": {
                "rule": "VIO-2",
                "description": "cart",
                "forbids": ["live_sell", "short_video_sell", "store_entry"],
            },
            "mute": {"rule": "VIO-3", "description": "mute", "forbids": ["private_message"]},
            "reduced_recommendation": {
                "rule": "VIO-4",
                "description": "less exposure",
                "forbids": [],
                "exposure_factor": "0.5",
            },
        },
        "appeal_deadline": "7d",
    }
)
TERMS = Terms(POLICY_2023, "2023-02-16")


def measure(
    code: str,
    *,
    measure_id: int = 1,
    ends: datetime | None = None,
    lifted: datetime | None = None,
    starts: datetime = T0,
) -> MeasureFacts:
    kind = POLICY_2023.measures[code]
    return MeasureFacts(
        measure_id=measure_id,
        case_id=7,
        measure=code,
        rule=kind.rule,
        forbids=kind.forbids,
        exposure_factor=kind.exposure_factor,
        starts_at=starts,
        ends_at=ends,
        lifted_at=lifted,
    )


def may(action: str, measures: list[MeasureFacts], at: datetime) -> str:
    return rules.may("m1", action, measures, at=at, version="v").outcome


@pytest.mark.rule("VIO-1")
@pytest.mark.parametrize("action", ["create_product", "list_product", "relist_product"])
def test_delist_and_ban_forbids_every_listing_path_until_its_end(action: str) -> None:
    end = T0 + timedelta(days=7)
    ban = measure("delist_and_ban", ends=end)
    assert may(action, [ban], T0 - SECOND) == "allowed"  # before it starts
    assert may(action, [ban], T0) == "refused"  # from its first instant
    decision = rules.may("m1", action, [ban], at=end - SECOND, version="v")
    assert (decision.outcome, decision.rule_id) == ("refused", "VIO-1")
    assert "case 7" in decision.summary
    assert may(action, [ban], end) == "allowed"  # the end is exclusive
    assert may("private_message", [ban], T0) == "allowed"


@pytest.mark.rule("VIO-2")
@pytest.mark.parametrize("action", ["live_sell", "short_video_sell", "store_entry"])
def test_suspended_cart_forbids_live_and_short_video_selling_and_the_store_entry(
    action: str,
) -> None:
    cart = measure("suspend_cart", ends=T0 + timedelta(days=3))
    assert may(action, [cart], T0) == "refused"
    assert may(action, [cart], T0 + timedelta(days=3)) == "allowed"
    assert may("list_product", [cart], T0) == "allowed"


@pytest.mark.rule("VIO-3")
def test_mute_forbids_private_messages_until_lifted() -> None:
    lifted_at = T0 + timedelta(hours=5)
    mute = measure("mute", lifted=lifted_at)  # until lifted, then lifted
    assert may("private_message", [mute], lifted_at - SECOND) == "refused"
    assert may("private_message", [mute], lifted_at) == "allowed"
    assert may("private_message", [measure("mute")], T0 + timedelta(days=3650)) == "refused"


@pytest.mark.rule("VIO-4")
def test_reduced_recommendation_weighs_exposure_and_forbids_nothing() -> None:
    less = measure("reduced_recommendation", ends=T0 + timedelta(days=1))
    weight, decision = rules.exposure("m1", [less], at=T0, version="v")
    assert weight == Decimal("0.5") and decision.rule_id == "VIO-4"
    assert rules.exposure("m1", [less], at=T0 + timedelta(days=1), version="v")[0] == 1
    assert rules.exposure("m1", [less], at=T0 - SECOND, version="v")[0] == 1
    for action in ("private_message", "list_product", "live_sell"):
        assert may(action, [less], T0) == "allowed"
    stricter = MeasureFacts(2, 8, "custom", "VIO-4", (), Decimal("0.2"), T0, None)
    assert rules.exposure("m1", [less, stricter], at=T0, version="v")[0] == Decimal("0.2")


@pytest.mark.rule("VIO-4")
def test_measure_types_are_policy_data_and_the_list_is_open() -> None:
    custom = ViolationsPolicy.model_validate(
        {
            "measures": {
                "no_live": {"rule": "VIO-2", "description": "x", "forbids": ["live_sell"]},
            },
            "appeal_deadline": "3d",
        }
    )
    terms = Terms(custom, "2099-01-01")
    assert rules.measure_type(terms, "no_live", field="m").forbids == ("live_sell",)
    with pytest.raises(RuleRefused) as refused:
        rules.measure_type(terms, "mute", field="measures.0.measure")
    assert refused.value.field == "measures.0.measure"
    with pytest.raises(ValidationError):  # an action no code enforces is refused on load
        ViolationsPolicy.model_validate(
            {
                "measures": {"x": {"rule": "VIO-2", "description": "x", "forbids": ["dance"]}},
                "appeal_deadline": "3d",
            }
        )


@pytest.mark.rule("VIO-5")
def test_a_measure_window_starts_now_or_later_and_ends_after_its_start() -> None:
    rules.check_window(T0, None, now=T0, field="measures.0")
    rules.check_window(T0, T0 + SECOND, now=T0, field="measures.0")
    with pytest.raises(InvalidInput) as past:
        rules.check_window(T0 - SECOND, None, now=T0, field="measures.0")
    assert past.value.field == "measures.0.starts_at"
    with pytest.raises(InvalidInput) as empty:
        rules.check_window(T0, T0, now=T0, field="measures.1")
    assert empty.value.field == "measures.1.ends_at"


@pytest.mark.rule("VIO-5")
def test_the_refusal_names_the_measure_that_forbids_longest() -> None:
    short = measure("delist_and_ban", measure_id=1, ends=T0 + timedelta(days=1))
    long = measure("delist_and_ban", measure_id=2, ends=T0 + timedelta(days=9))
    binding = rules.binding_measure("list_product", [short, long], at=T0)
    assert binding is not None and binding.measure_id == 2
    forever = measure("delist_and_ban", measure_id=3)
    binding = rules.binding_measure("list_product", [long, forever], at=T0)
    assert binding is not None and binding.measure_id == 3
    decision = rules.may("m1", "list_product", [short, long], at=T0, version="v")
    assert [i.outcome for i in decision.items] == ["not met", "not met"]
    assert rules.binding_measure("list_product", [short], at=T0 + timedelta(days=1)) is None
    with pytest.raises(InvalidInput):
        rules.check_action("dance")


@pytest.mark.rule("VIO-6")
def test_an_appeal_at_the_deadline_instant_is_in_time_one_second_later_it_is_not() -> None:
    deadline = T0 + timedelta(days=7)

    def filed(at: datetime) -> str:
        return appeal_rules.appeal_in_time(
            "m1", 7, deadline=deadline, filed_at=at, version="v"
        ).outcome

    assert filed(deadline) == "in_time"
    assert filed(deadline + SECOND) == "too_late"
    late = appeal_rules.appeal_in_time(
        "m1", 7, deadline=deadline, filed_at=deadline + SECOND, version="v"
    )
    with pytest.raises(RuleRefused) as refused:
        appeal_rules.refuse_late(late)
    assert refused.value.rule == "VIO-6"


@pytest.mark.rule("VIO-6")
def test_what_an_appeal_may_contest() -> None:
    def target(wanted: Contested, earlier: list[Contested], penalty: bool = True) -> None:
        appeal_rules.check_target(
            wanted,
            measure_ids={1, 2},
            has_penalty=penalty,
            penalty_returned=False,
            earlier=earlier,
        )

    target(Contested("measure", 1), [Contested("measure", 2)])
    target(Contested("penalty"), [Contested("measure", 2)])
    with pytest.raises(Conflict):
        target(Contested("measure", 1), [Contested("measure", 1)])
    with pytest.raises(Conflict):
        target(Contested("case"), [Contested("penalty")])
    with pytest.raises(Conflict):
        target(Contested("penalty"), [], penalty=False)
    with pytest.raises(InvalidInput):
        target(Contested("measure", 3), [])
    with pytest.raises(InvalidInput):
        target(Contested("case", 1), [])
    upheld = appeal_rules.appeal_decided(
        "m1", 7, contested=Contested("case"), outcome="upheld", reason="r", version="v"
    )
    assert (upheld.rule_id, upheld.outcome) == ("VIO-6", "upheld")
