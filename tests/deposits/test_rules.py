"""The deposit rules as pure functions of facts and the bundled policy, with their boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from shopwarden.catalog.tree import load_tree
from shopwarden.deposits import campaign_rules as cr
from shopwarden.deposits import obligation_rules as obr
from shopwarden.deposits import refund_rules as fr
from shopwarden.deposits import risk_rules as rr
from shopwarden.deposits import rules
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.deposits.workdays import is_working_day, refund_deadline, working_day_deadline
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.policy.store import PolicyStore

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")


def M(text: str) -> Money:
    """Test shorthand: ``"300"`` means 300.00 (the wire grammar wants two decimals)."""
    return Money.parse(text if "." in text else f"{text}.00")


@pytest.fixture(scope="module")
def policy() -> rules.Policy:
    version = PolicyStore.load(schemas=POLICY_SCHEMAS).in_force("deposits", T0)
    return rules.Policy(version.parameters_as(DepositsPolicy), version.version)


# DEP-1, DEP-2 -------------------------------------------------------------------------------
@pytest.mark.rule("DEP-2")
@pytest.mark.parametrize(
    ("categories", "required"),
    [
        ([], "1000.00"),
        (["tea_leaves"], "1000.00"),
        (["mobile_phones"], "2000.00"),
        (["baijiu"], "3000.00"),  # a child of alcohol
        (["quartz_watches", "tea_leaves"], "5000.00"),  # two levels under jewellery_watches
        (["baijiu", "stamps_coins", "mobile_phones"], "10000.00"),  # the highest wins
    ],
)
def test_required_is_the_highest_of_the_categories(
    policy: rules.Policy, categories: list[str], required: str
) -> None:
    amount, decision = rules.required_cash(
        categories, load_tree(), cover_active=False, policy=policy, merchant_id="m1"
    )
    assert amount == M(required)
    assert decision.rule_id == "DEP-2" and decision.policy_version == "2023-01-01"
    assert len(decision.items) == 1 + max(1, len(categories))  # the minimum, then each


@pytest.mark.rule("DEP-6")
def test_nothing_stays_frozen_under_cover(policy: rules.Policy) -> None:
    amount, decision = rules.required_cash(
        ["collectibles"], load_tree(), cover_active=True, policy=policy, merchant_id="m1"
    )
    assert amount == M("0") and decision.outcome == "covered_by_insurance"


# DEP-3 --------------------------------------------------------------------------------------
@pytest.mark.rule("DEP-3")
@pytest.mark.parametrize(
    ("required", "held", "unpaid", "due"),
    [
        ("1000.00", "1000.00", "0", "0.00"),
        ("1000.00", "999.99", "0", "0.01"),
        ("1000.00", "1500.00", "0", "0.00"),
        ("1000.00", "0.00", "250.00", "1250.00"),
        ("2000.00", "1000.00", "0", "1000.00"),
    ],
)
def test_shortfall(policy: rules.Policy, required: str, held: str, unpaid: str, due: str) -> None:
    amount, decision = rules.shortfall(
        required=M(required), held=M(held), unpaid=M(unpaid), policy=policy, merchant_id="m"
    )
    assert amount == M(due)
    assert decision.outcome == ("shortfall" if amount.is_positive() else "no_shortfall")


# DEP-4, DEP-5 -------------------------------------------------------------------------------
def _escalate(policy: rules.Policy, after: timedelta, **done: bool) -> list[str]:
    decisions = rules.escalation(
        obligation_id=1,
        opened_at=T0,
        as_of=T0 + after,
        badges_revoked=done.get("badges", False),
        shielded=done.get("shield", False),
        policy=policy,
        merchant_id="m",
    )
    return [d.outcome for d in decisions]


@pytest.mark.rule("DEP-4")
def test_escalation_boundaries(policy: rules.Policy) -> None:
    minute = timedelta(minutes=1)
    assert _escalate(policy, timedelta(days=3) - minute) == []
    assert _escalate(policy, timedelta(days=3)) == ["badges_revoked"]
    assert _escalate(policy, timedelta(days=5) - minute, badges=True) == []
    assert _escalate(policy, timedelta(days=5), badges=True) == ["shielded"]
    assert _escalate(policy, timedelta(days=9)) == ["badges_revoked", "shielded"]
    assert _escalate(policy, timedelta(days=9), badges=True, shield=True) == []


@pytest.mark.rule("DEP-4")
def test_escalation_explains_elapsed_time(policy: rules.Policy) -> None:
    [decision] = rules.escalation(
        obligation_id=7,
        opened_at=T0,
        as_of=T0 + timedelta(days=3, minutes=1),
        badges_revoked=False,
        shielded=True,
        policy=policy,
        merchant_id="m",
    )
    first = decision.items[0]
    assert (first.value, first.target, first.outcome) == ("3d 1m", "3d", "met")


@pytest.mark.rule("DEP-5")
def test_shield_lifts_24_hours_after_the_top_up(policy: rules.Policy) -> None:
    args = {"obligation_id": 1, "met_at": T0, "policy": policy, "merchant_id": "m"}
    assert rules.shield_lift(as_of=T0 + timedelta(hours=24) - timedelta(seconds=1), **args) is None
    lifted = rules.shield_lift(as_of=T0 + timedelta(hours=24), **args)
    assert lifted is not None and lifted.outcome == "shield_lifted"
    assert rules.shield_lift_at(T0, policy) == T0 + timedelta(hours=24)


# DEP-6, DEP-7 -------------------------------------------------------------------------------
@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-6")
def test_who_pays_compensation(policy: rules.Policy) -> None:
    args = {"case_id": "c", "policy": policy, "merchant_id": "m"}
    insured = rules.compensation(amount=M("300"), held=M("0"), cover_active=True, **args)
    assert (insured.payer, insured.from_deposit, insured.unpaid) == ("insurer", M("0"), M("0"))
    partly = rules.compensation(amount=M("300"), held=M("120.50"), cover_active=False, **args)
    assert (partly.from_deposit, partly.unpaid) == (M("120.50"), M("179.50"))
    assert partly.decision.outcome == "deducted_partly"


@pytest.mark.rule("DEP-7")
def test_cover_lapses_at_its_end(policy: rules.Policy) -> None:
    end = T0 + timedelta(days=365)
    args = {"cover_id": 1, "ends_at": end, "policy": policy, "merchant_id": "m"}
    assert rules.cover_lapse(as_of=end - timedelta(minutes=1), **args) is None
    assert rules.cover_lapse(as_of=end, **args) is not None


@pytest.mark.rule("DEP-7")
def test_unfreezing_needs_cover(policy: rules.Policy) -> None:
    args = {"held": M("1000"), "pending_refund": False, "policy": policy, "merchant_id": "m"}
    assert rules.cash_unfreeze(cover_active=True, **args).outcome == "unfrozen"
    assert rules.cash_unfreeze(cover_active=False, **args).outcome == "refused"


# DEP-8..10 ----------------------------------------------------------------------------------
@pytest.mark.rule("DEP-8")
def test_risk_tier_sets_the_amount(policy: rules.Policy) -> None:
    assert rr.risk_amount("high", policy, "m")[0] == M("5000.00")
    with pytest.raises(Exception, match="unknown risk tier"):
        rr.risk_amount("extreme", policy, "m")


def _facts(
    activated: timedelta | None = timedelta(days=1), released: timedelta | None = None
) -> rr.RiskFacts:
    return rr.RiskFacts(
        T0,
        T0 + activated if activated is not None else None,
        T0 + released if released is not None else None,
    )


@pytest.mark.rule("DEP-9")
@pytest.mark.parametrize(
    ("day", "code", "forfeited"),
    [
        (179, "counterfeit_goods", True),
        (181, "counterfeit_goods", False),
        (30, "late_shipment", False),
        (179, "transaction_safety_threat", True),
    ],
)
def test_forfeit_inside_the_window_only(
    policy: rules.Policy, day: int, code: str, forfeited: bool
) -> None:
    decision = rr.risk_forfeit(
        _facts(),
        code=code,
        punished_at=T0 + timedelta(days=day),
        frozen=True,
        policy=policy,
        merchant_id="m",
    )
    assert (decision.outcome == "forfeited") is forfeited


@pytest.mark.rule("DEP-9")
def test_no_forfeit_once_a_release_condition_held(policy: rules.Policy) -> None:
    never_activated = _facts(activated=None)
    decision = rr.risk_forfeit(
        never_activated,
        code="fraud",
        punished_at=T0 + timedelta(days=10),
        frozen=True,
        policy=policy,
        merchant_id="m",
    )
    assert decision.outcome == "not_forfeited"


@pytest.mark.rule("DEP-10")
@pytest.mark.parametrize(
    ("facts", "after", "outcome"),
    [
        (_facts(activated=None), timedelta(days=7) - timedelta(minutes=1), None),
        (_facts(activated=None), timedelta(days=7), "unfrozen_a"),
        (_facts(activated=timedelta(days=7)), timedelta(days=8), "unfrozen_a"),  # too late
        (_facts(activated=timedelta(days=6)), timedelta(days=8), None),
        (_facts(released=timedelta(days=100)), timedelta(days=100), "unfrozen_b"),
        (_facts(released=timedelta(days=100)), timedelta(days=99), None),
        (_facts(), timedelta(days=180) - timedelta(minutes=1), None),
        (_facts(), timedelta(days=180), "unfrozen_c"),
    ],
)
def test_unfreeze_conditions(
    policy: rules.Policy, facts: rr.RiskFacts, after: timedelta, outcome: str | None
) -> None:
    decision = rr.risk_unfreeze(facts, as_of=T0 + after, policy=policy, merchant_id="m")
    assert (decision.outcome if decision else None) == outcome


# DEP-11..13 ---------------------------------------------------------------------------------
@pytest.mark.rule("DEP-11")
def test_juhuasuan_options(policy: rules.Policy) -> None:
    assert cr.juhuasuan("deposit", policy, "m", "c")[:2] == (M("500000.00"), M("0"))
    assert cr.juhuasuan("premium", policy, "m", "c")[:2] == (M("0"), M("1500.00"))


@pytest.mark.rule("DEP-11")
@pytest.mark.parametrize(
    ("deposit", "premium"),
    [
        ("400000.00", "1200.00"),
        ("499999.99", "1500.00"),
        ("500000.00", "1500.00"),
        ("600000.00", "1500.00"),
    ],
)
def test_premium_below_at_and_above_its_cap(
    policy: rules.Policy, deposit: str, premium: str
) -> None:
    changed = policy.params.juhuasuan.model_copy(update={"deposit": M(deposit)})
    other = rules.Policy(policy.params.model_copy(update={"juhuasuan": changed}), "test")
    assert cr.juhuasuan("premium", other, "m", "c")[1] == M(premium)


TERMS = {
    "floor_plus_commission": cr.FeeTerms(
        "floor_plus_commission", floor=M("100"), rate=Decimal("0.05")
    ),
    "fixed": cr.FeeTerms("fixed", fee=M("300")),
    "floor_and_cap": cr.FeeTerms(
        "floor_and_cap", floor=M("100"), rate=Decimal("0.05"), cap=M("500")
    ),
    "commission": cr.FeeTerms("commission", rate=Decimal("0.05")),
    "commission_with_cap": cr.FeeTerms("commission_with_cap", rate=Decimal("0.05"), cap=M("500")),
}
# GMV 1000 → 5 % below the floor (50), 2000 at the floor (100), 3000 above it (150),
# 10000 at the cap (500), 11000 above it (550).
FEES = {
    "floor_plus_commission": ["100.00", "150.00", "200.00", "250.00", "600.00", "650.00"],
    "fixed": ["300.00"] * 6,
    "floor_and_cap": ["100.00", "100.00", "100.00", "150.00", "500.00", "500.00"],
    "commission": ["0.00", "50.00", "100.00", "150.00", "500.00", "550.00"],
    "commission_with_cap": ["0.00", "50.00", "100.00", "150.00", "500.00", "500.00"],
}
GMVS = ["0", "1000", "2000", "3000", "10000", "11000"]


@pytest.mark.rule("DEP-12")
@pytest.mark.parametrize("mode", list(TERMS))
@pytest.mark.parametrize("step", range(len(GMVS)))
def test_taoqianggou_fee(policy: rules.Policy, mode: str, step: int) -> None:
    fee, decision = cr.taoqianggou_fee(TERMS[mode], M(GMVS[step]), policy, "m", "c")
    assert fee == M(FEES[mode][step])
    assert decision.rule_id == "DEP-12" and decision.outcome == "fee"


@pytest.mark.rule("DEP-12")
def test_fee_is_rounded_once_at_the_end(policy: rules.Policy) -> None:
    terms = cr.FeeTerms("floor_plus_commission", floor=M("0.01"), rate=Decimal("0.005"))
    assert cr.taoqianggou_fee(terms, M("1.01"), policy, "m", "c")[0] == M("0.02")  # 1 + 0.505


@pytest.mark.rule("DEP-12")
def test_terms_are_checked_per_mode(policy: rules.Policy) -> None:
    assert cr.check_terms(TERMS["floor_and_cap"], policy) == []
    assert cr.check_terms(cr.FeeTerms("fixed"), policy) == [("fee", "mode fixed needs fee")]
    extra = cr.FeeTerms("commission", rate=Decimal("0.1"), cap=M("5"))
    assert cr.check_terms(extra, policy) == [("cap", "mode commission takes no cap")]
    upside_down = cr.FeeTerms("floor_and_cap", floor=M("9"), rate=Decimal("0.1"), cap=M("5"))
    assert ("cap", "the cap is below the floor") in cr.check_terms(upside_down, policy)
    assert cr.check_terms(cr.FeeTerms("surprise"), policy)[0][0] == "fee_mode"


@pytest.mark.rule("DEP-13")
@pytest.mark.parametrize(
    ("amount", "fee"), [("199.99", "6.00"), ("0.01", "0.00"), ("1000000.00", "30000.00")]
)
def test_tiantiantemai_fee(policy: rules.Policy, amount: str, fee: str) -> None:
    assert cr.tiantiantemai_fee(M(amount), Decimal("0.03"), policy, "m", "o")[0] == M(fee)


# DEP-14 -------------------------------------------------------------------------------------
@pytest.mark.rule("DEP-14")
def test_refundable_is_what_obligations_do_not_hold(policy: rules.Policy) -> None:
    holdings = fr.Holdings(
        cash_held=M("1000"),
        campaign_deposits=M("500000"),
        open_after_sales=M("200"),
        unpaid_compensation=M("0"),
        open_topups=M("300"),  # a shortfall: money not held, so it freezes nothing (DEP-3)
    )
    assert holdings.refundable(policy) == M("800.00")
    refundable, decision = fr.refund_check(holdings, M("800.01"), policy, "m")
    assert refundable == M("800.00") and decision.outcome == "refused"
    assert fr.refund_check(holdings, M("800.00"), policy, "m")[1].outcome == "accepted"
    short = fr.Holdings(M("100"), M("0"), M("900"), M("0"), M("0"))
    assert short.refundable(policy) == M("0.00")


@pytest.mark.rule("DEP-14")
@pytest.mark.parametrize(
    ("applied", "deadline"),
    [
        # Just before the 2024 Spring Festival (02-10..17 off, Sunday 02-18 worked).
        ("2024-02-08T15:00:00+08:00", "2024-02-24T00:00:00+08:00"),
        # Late on the day still counts from the next working day.
        ("2024-02-08T23:59:00+08:00", "2024-02-24T00:00:00+08:00"),
        # A make-up Sunday counts as a working day (2024-02-04).
        ("2024-02-02T10:00:00+08:00", "2024-02-19T00:00:00+08:00"),
        # Over National Day 2024 (10-01..07 off; Sunday 09-29 and Saturday 10-12 are worked).
        ("2024-09-27T10:00:00+08:00", "2024-10-13T00:00:00+08:00"),
        # December into a year whose calendar is computed by rule, not announced.
        ("2026-12-28T10:00:00+08:00", "2027-01-08T00:00:00+08:00"),
        ("2099-12-30T10:00:00+08:00", "2100-01-12T00:00:00+08:00"),
    ],
)
def test_review_deadline_counts_chinese_working_days(
    policy: rules.Policy, applied: str, deadline: str
) -> None:
    found = refund_deadline(
        datetime.fromisoformat(applied), policy, timezone="Asia/Shanghai", country="CN"
    )
    assert found == datetime.fromisoformat(deadline)


@pytest.mark.rule("DEP-14")
def test_working_days_know_holidays_and_make_up_days() -> None:
    assert not is_working_day(date(2024, 2, 12))  # Spring Festival, a Monday
    assert is_working_day(date(2024, 2, 18))  # make-up Sunday
    assert not is_working_day(date(2024, 2, 17))  # an ordinary Saturday
    assert not is_working_day(date(2030, 1, 1))


@pytest.mark.rule("DEP-14")
def test_overdue_at_the_deadline(policy: rules.Policy) -> None:
    deadline = working_day_deadline(T0, 7, timezone="Asia/Shanghai", country="CN")
    args = {"refund_id": 1, "deadline": deadline, "policy": policy, "merchant_id": "m"}
    assert fr.refund_overdue(as_of=deadline - timedelta(minutes=1), **args) is None
    assert fr.refund_overdue(as_of=deadline, **args) is not None


@pytest.mark.rule("DEP-14")
@pytest.mark.rule("DEP-3")
def test_a_shortfall_after_a_compensation_freezes_nothing(policy: rules.Policy) -> None:
    """Pay 1000.00, 200.00 deducted: the 800.00 held is all refundable, not 600.00."""
    holdings = fr.Holdings(M("800"), M("0"), M("0"), M("0"), open_topups=M("200"))
    assert holdings.refundable(policy) == M("800.00")
    assert dict(holdings.frozen(policy))["open_topups"] == M("0.00")
    owed = fr.Holdings(M("800"), M("0"), M("50"), M("120"), open_topups=M("200"))
    assert owed.refundable(policy) == M("630.00")  # only what consumers are owed holds money


# DEP-3, DEP-4, DEP-5: obligations as parts ---------------------------------------------------
def _part(id_: int, hours: int, due: str) -> obr.OpenPart:
    return obr.OpenPart(id_, T0 + timedelta(hours=hours), M(due))


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-4")
def test_a_second_shortfall_is_a_new_part_and_the_old_keeps_its_clock() -> None:
    found = obr.reconcile([_part(1, 0, "200")], due=M("500"))
    assert found.settlements == () and found.increase == M("300.00")
    assert obr.reconcile([_part(1, 0, "200")], due=M("200")).increase == M("0.00")
    assert obr.reconcile([], due=M("0")) == obr.Reconciled((), M("0.00"), M("0.00"))


@pytest.mark.rule("DEP-5")
def test_a_top_up_settles_the_oldest_first() -> None:
    parts = [_part(2, 24, "300"), _part(1, 0, "100")]
    found = obr.reconcile(parts, due=M("250"), paid=M("150"))
    assert found.settlements == (
        obr.Settlement(1, M("100.00"), M("0.00")),
        obr.Settlement(2, M("50.00"), M("0.00")),
    )
    assert found.increase == M("0.00")
    # paying more than is due meets every part and opens nothing
    over = obr.reconcile(parts, due=M("0"), paid=M("1000"))
    assert [s.total for s in over.settlements] == [M("100.00"), M("300.00")]
    assert over.increase == M("0.00")


@pytest.mark.rule("DEP-3")
def test_a_lower_requirement_releases_the_newest_first() -> None:
    parts = [_part(1, 0, "100"), _part(2, 24, "300")]
    found = obr.reconcile(parts, due=M("150"))
    assert found.settlements == (obr.Settlement(2, M("0.00"), M("250.00")),)
    # a payment and a higher due together: the payment settles, the rise is a new part
    both = obr.reconcile(parts, due=M("600"), paid=M("100"))
    assert both.settlements == (obr.Settlement(1, M("100.00"), M("0.00")),)
    assert both.increase == M("300.00")


@pytest.mark.rule("DEP-3")
def test_version_switches_since_the_last_assessment() -> None:
    starts = [("2023-01-01", T0 - timedelta(days=400)), ("b", T0 + timedelta(days=2))]
    starts.append(("c", T0 + timedelta(days=5)))
    after = T0 + timedelta(days=3)
    assert obr.version_switches(starts, assessed_at=T0, as_of=after) == [starts[1]]
    assert obr.version_switches(starts, assessed_at=T0, as_of=T0 + timedelta(days=2)) == [starts[1]]
    assert obr.version_switches(starts, assessed_at=after, as_of=after) == []
    assert obr.version_switches(starts, assessed_at=None, as_of=after) == []


@pytest.mark.rule("DEP-7")
@pytest.mark.rule("DEP-3")
def test_cover_lapses_since_the_last_assessment_at_their_end() -> None:
    end = T0 + timedelta(days=2)
    lapsing = [(1, T0 - timedelta(days=363), end)]
    after = T0 + timedelta(days=3)
    assert obr.cover_lapses(lapsing, assessed_at=T0, as_of=after) == [(1, end)]
    assert obr.cover_lapses(lapsing, assessed_at=T0, as_of=end) == [(1, end)]
    assert obr.cover_lapses(lapsing, assessed_at=T0, as_of=end - timedelta(seconds=1)) == []
    assert obr.cover_lapses(lapsing, assessed_at=end, as_of=after) == []
    assert obr.cover_lapses(lapsing, assessed_at=None, as_of=after) == []
    renewed = [*lapsing, (2, end, end + timedelta(days=365))]
    assert obr.cover_lapses(renewed, assessed_at=T0, as_of=after) == []


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-4")
def test_a_part_opened_explains_its_cause_and_deadlines(policy: rules.Policy) -> None:
    opened = T0 + timedelta(hours=1)
    decision = obr.part_opened(
        obligation_id=7,
        increase=M("300"),
        due=M("500"),
        outstanding_before=M("200"),
        opened_at=opened,
        cause="deposits policy b in force from 2024-03-01T10:00+08:00",
        policy=policy,
        merchant_id="m",
    )
    assert (decision.rule_id, decision.outcome, decision.subject) == (
        "DEP-3",
        "shortfall",
        "top-up obligation 7",
    )
    values = {i.measure: i.value for i in decision.items}
    assert values["badges revoked unless met by (DEP-4)"] == "2024-03-04T10:00+08:00"
    assert values["store shielded unless met by (DEP-4)"] == "2024-03-06T10:00+08:00"
    assert values["this obligation"] == "300.00"


@pytest.mark.rule("DEP-4")
def test_badges_return_only_when_no_late_part_keeps_them(policy: rules.Policy) -> None:
    kept = obr.badges_restored(
        obligation_id=1, met_at=T0, still_revoked_by=[2], policy=policy, merchant_id="m"
    )
    assert kept is None
    back = obr.badges_restored(
        obligation_id=1, met_at=T0, still_revoked_by=[], policy=policy, merchant_id="m"
    )
    assert back is not None and (back.rule_id, back.outcome) == ("DEP-4", "badges_restored")


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-3")
def test_which_rule_a_payment_is_made_under() -> None:
    assert obr.payment_rule(first=True, settles_shortfall=False) == "DEP-1"
    assert obr.payment_rule(first=False, settles_shortfall=True) == "DEP-3"
    assert obr.payment_rule(first=False, settles_shortfall=False) == "DEP-1"
