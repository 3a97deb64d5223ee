"""The BNPL rules' shared vocabulary, and the store rules (BNPL-1, BNPL-9, BNPL-11).

Every BNPL rule is a pure function: facts and a policy in, a decision with its reasons out.
Nothing here or in the other rule modules reads a database or a clock
(tests/test_architecture.py keeps it so); the use cases gather the facts, call the rules, and
store or act on what they return. The rules are split by what they decide:

- ``rules.py``: the policy family, a store's BNPL statuses, enabling and pausing (BNPL-1, 9, 11);
- ``flag_rules.py``: a product's flag (BNPL-2, BNPL-3);
- ``checkout_rules.py``: whether BNPL is offered for an order, and its fee (BNPL-4, 6, 9);
- ``settlement_rules.py``: receipt, settlement and early payout (BNPL-7, BNPL-8);
- ``invoice_rules.py``: natural months and fee invoices (BNPL-10).
"""

from __future__ import annotations

from dataclasses import dataclass

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.decisions.model import Decision, ExplanationItem, compare

FAMILY = "bnpl"

# Where a store stands with BNPL (BNPL-1, BNPL-9, BNPL-11).
STORE_NOT_ENABLED = "not_enabled"
STORE_LEGACY = "bnpl_1_0"  # had BNPL 1.0 and is not yet moved to 2.0
STORE_ENABLED = "enabled"
STORE_PAUSED = "paused"
STORE_STATUSES = (STORE_NOT_ENABLED, STORE_LEGACY, STORE_ENABLED, STORE_PAUSED)


# --- enabling and pausing (BNPL-1, BNPL-9) ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class EnableDecision:
    allowed: bool
    field: str | None
    detail: str
    decision: Decision


def decide_enable(
    merchant_id: str,
    *,
    wallet_upgraded: bool,
    agreement_version: str,
    accepted: bool,
    policy: BnplPolicy,
    version: str,
) -> EnableDecision:
    """One-click enable: the agreement accepted, and an upgraded wallet first (BNPL-1)."""
    items = (
        compare("service agreement accepted (BNPL-1)", accepted, "==", True),
        compare("agreement version (BNPL-1)", agreement_version, "==", policy.agreement_version),
        compare("wallet (安心钱包) upgraded (BNPL-1)", wallet_upgraded, "==", True)
        if policy.wallet_upgrade_required
        else ExplanationItem("wallet (安心钱包) upgraded", str(wallet_upgraded), "-", "", "info"),
    )
    field, detail = None, "enabled at once: the wallet is upgraded and the agreement accepted"
    if not accepted:
        field, detail = "accepted", "the service agreement must be accepted to enable BNPL"
    elif agreement_version != policy.agreement_version:
        field = "agreement_version"
        detail = (
            f"the agreement in force is {policy.agreement_version!r}, "
            f"not {agreement_version!r}; read and accept that one"
        )
    elif policy.wallet_upgrade_required and not wallet_upgraded:
        field = "wallet_upgraded"
        detail = (
            "the store's wallet (安心钱包) is not upgraded: upgrade it first under "
            "payment account management (PATCH /v1/merchants/{id} with "
            '{"wallet_upgraded": true}), then enable BNPL again'
        )
    allowed = field is None
    decision = Decision(
        rule_id="BNPL-1",
        subject=f"store:{merchant_id}",
        outcome="enabled" if allowed else "refused",
        summary=detail,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=items,
    )
    return EnableDecision(allowed, field, detail, decision)


def store_change_decision(
    merchant_id: str, rule_id: str, outcome: str, summary: str, version: str
) -> Decision:
    """A pause, resume or 1.0 → 2.0 move, for the decision log (BNPL-9, BNPL-11)."""
    return Decision(
        rule_id=rule_id,
        subject=f"store:{merchant_id}",
        outcome=outcome,
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
    )
