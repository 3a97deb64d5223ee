"""Campaign deposits and fees as pure decisions (DEP-11..13).

Taoqianggou fees are a function of the campaign's confirmed-receipt GMV so far: charging the
difference between the fee now and the fee already charged at each confirmation keeps the
total equal to the formula, rounded once, whatever the order of confirmations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shopwarden.decisions.model import Decision, compare
from shopwarden.deposits.rules import ZERO, Policy, info
from shopwarden.money import Money, apply_rate


def juhuasuan(
    option: str, policy: Policy, merchant_id: str, campaign_id: str
) -> tuple[Money, Money, Decision]:
    """(deposit frozen, premium paid) for the merchant's pick (DEP-11)."""
    jh = policy.params.juhuasuan
    subject = f"campaign {campaign_id}"
    if option == "deposit":
        summary = f"deposit {jh.deposit} frozen until the campaign ends"
        decision = policy.decide(
            "DEP-11", merchant_id, subject, "deposit", summary, info("deposit", jh.deposit)
        )
        return jh.deposit, ZERO, decision
    rated = apply_rate(jh.deposit, jh.premium_rate)
    premium = min(rated, jh.premium_cap)
    decision = policy.decide(
        "DEP-11",
        merchant_id,
        subject,
        "premium",
        f"premium {premium} paid once, not returned",
        info("deposit", jh.deposit),
        info("premium rate", jh.premium_rate),
        compare("deposit × rate", rated, "<=", jh.premium_cap),
    )
    return ZERO, premium, decision


def juhuasuan_returned(
    deposit: Money, policy: Policy, merchant_id: str, campaign_id: str, ended: str
) -> Decision:
    """DEP-11: the deposit comes back in full when the campaign term ends."""
    return policy.decide(
        "DEP-11",
        merchant_id,
        f"campaign {campaign_id}",
        "deposit_returned",
        f"campaign ended: deposit {deposit} returned in full",
        info("campaign ended at", ended),
        info("deposit returned", deposit),
    )


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """A Taoqianggou campaign's fee mode and the amounts that mode uses (DEP-12)."""

    mode: str
    floor: Money | None = None
    rate: Decimal | None = None
    cap: Money | None = None
    fee: Money | None = None


TERMS_OF_MODE = {
    "floor_plus_commission": ("floor", "rate"),
    "fixed": ("fee",),
    "floor_and_cap": ("floor", "rate", "cap"),
    "commission": ("rate",),
    "commission_with_cap": ("rate", "cap"),
}


def check_terms(terms: FeeTerms, policy: Policy) -> list[tuple[str, str]]:
    """Every (field, reason) wrong with the terms: unknown mode, a term missing or extra."""
    if terms.mode not in policy.params.taoqianggou.modes:
        return [("fee_mode", f"{terms.mode!r} is not a fee mode offered by the policy")]
    needed = TERMS_OF_MODE[terms.mode]
    problems = [
        (name, f"mode {terms.mode} needs {name}") for name in needed if getattr(terms, name) is None
    ]
    problems += [
        (name, f"mode {terms.mode} takes no {name}")
        for name in ("floor", "rate", "cap", "fee")
        if name not in needed and getattr(terms, name) is not None
    ]
    if terms.floor is not None and terms.cap is not None and terms.floor > terms.cap:
        problems.append(("cap", "the cap is below the floor"))
    return problems


def _cents(exact: Decimal) -> Money:
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def taoqianggou_fee(
    terms: FeeTerms, gmv: Money, policy: Policy, merchant_id: str, campaign_id: str
) -> tuple[Money, Decision]:
    """The campaign's whole fee for its confirmed-receipt GMV so far; rounded once (DEP-12)."""
    commission = Decimal(gmv.cents) * (terms.rate or Decimal(0))
    floor = Decimal((terms.floor or ZERO).cents)
    cap = Decimal((terms.cap or ZERO).cents)
    items = [info("fee mode", terms.mode), info("confirmed-receipt GMV", gmv)]
    if terms.rate is not None:
        items.append(info("rate × GMV", _cents(commission)))
    if terms.mode == "floor_plus_commission":
        exact = floor + commission
    elif terms.mode == "fixed":
        exact = Decimal((terms.fee or ZERO).cents)
    elif terms.mode == "floor_and_cap":
        exact = min(max(commission, floor), cap)
        items += [
            compare("rate × GMV", _cents(commission), ">=", terms.floor),
            compare("rate × GMV", _cents(commission), "<=", terms.cap),
        ]
    elif terms.mode == "commission":
        exact = commission
    else:
        exact = min(commission, cap)
        items.append(compare("rate × GMV", _cents(commission), "<=", terms.cap))
    fee = _cents(exact)
    return fee, policy.decide(
        "DEP-12",
        merchant_id,
        f"campaign {campaign_id}",
        "fee",
        f"{terms.mode} fee {fee} on GMV {gmv}",
        *items,
    )


def tiantiantemai_fee(
    amount: Money, rate: Decimal, policy: Policy, merchant_id: str, subject: str
) -> tuple[Money, Decision]:
    """DEP-13: confirmed-receipt amount × rate, no floor, no cap."""
    fee = apply_rate(amount, rate)
    return fee, policy.decide(
        "DEP-13",
        merchant_id,
        subject,
        "fee",
        f"software service fee {fee} = {amount} × {rate}",
        info("confirmed-receipt amount", amount),
        info("rate", rate),
    )


def tiantiantemai_terms(
    rate: Decimal, policy: Policy, merchant_id: str, campaign_id: str
) -> Decision:
    """DEP-13: the rate the campaign's confirmed-receipt amounts are charged at."""
    default = policy.params.tiantiantemai.default_rate
    return policy.decide(
        "DEP-13",
        merchant_id,
        f"campaign {campaign_id}",
        "terms",
        f"software service fee {rate} of each confirmed-receipt amount, no floor, no cap",
        info("rate", rate),
        info("policy default rate", default),
    )
