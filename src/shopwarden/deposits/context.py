"""What every deposit use case shares: the unit of work, the policy in force, the merchant lock.

Every use case that moves a merchant's deposit money first locks the merchant's row, so two
deductions, a deduction and a refund, or a payment and a cycle step see each other's results
instead of the same stale balance. Merchant rows are always locked before ledger accounts
(the ledger locks those itself), and several merchants in id order, so locks cannot cross.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.catalog.tables import MerchantRow
from shopwarden.catalog.tree import CategoryTree, load_tree
from shopwarden.clock import Clock
from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_decision
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.deposits.rules import Policy
from shopwarden.deposits.tables import EventRow
from shopwarden.errors import Conflict, NotFound
from shopwarden.ledger.model import merchant_account_code, platform_account_code
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money
from shopwarden.platform_policy import PlatformPolicy
from shopwarden.policy.store import PolicyStore

# The merchant's ledger accounts the deposit rules use (DEP-1, DEP-8, DEP-11).
WALLET = "wallet"
CASH = "cash_deposit"
RISK = "risk_deposit"
CAMPAIGN = "campaign_deposit"

# Platform accounts (ledger/accounts.py opens them).
BANK = platform_account_code("bank")
INSURER = platform_account_code("insurer")
COMPENSATION = platform_account_code("consumer_compensation")
CAMPAIGN_FEES = platform_account_code("campaign_fees")
FORFEITED = platform_account_code("forfeited_deposits")
PAYOUTS = platform_account_code("payouts")


@lru_cache(maxsize=1)
def bundled_tree() -> CategoryTree:
    return load_tree()


@dataclass
class DepositContext:
    session: Session
    clock: Clock
    policies: PolicyStore
    tree: CategoryTree = field(default_factory=bundled_tree)

    @property
    def context(self) -> Context:
        return Context(self.session, self.clock, self.policies, self.tree)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.session, self.clock)

    # policies -----------------------------------------------------------------------------
    def policy(self, as_of: datetime) -> Policy:
        """The deposits version in force at ``as_of`` (POL-1)."""
        version = self.policies.in_force("deposits", as_of)
        return Policy(version.parameters_as(DepositsPolicy), version.version)

    def policy_version(self, version: str) -> Policy:
        """A named version: terms fixed at enrolment keep the version they were agreed under."""
        found = self.policies.get("deposits", version)
        return Policy(found.parameters_as(DepositsPolicy), found.version)

    def platform(self, as_of: datetime) -> PlatformPolicy:
        return self.policies.in_force("platform", as_of).parameters_as(PlatformPolicy)

    # merchants and accounts --------------------------------------------------------------
    def merchant(self, merchant_id: str, *, lock: bool = True) -> MerchantRow:
        """The merchant, locked for the rest of the unit of work (PostgreSQL row lock)."""
        statement = select(MerchantRow).where(MerchantRow.id == merchant_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        row = self.session.scalar(statement)
        if row is None:
            raise NotFound(f"no merchant {merchant_id}", field="merchant_id")
        return row

    def lock_merchants(self, merchant_ids: Iterable[str]) -> None:
        ids = sorted(set(merchant_ids))
        if ids:
            statement = (
                select(MerchantRow.id).where(MerchantRow.id.in_(ids)).order_by(MerchantRow.id)
            )
            self.session.execute(statement.with_for_update())

    def not_closed(self, merchant: MerchantRow, rule: str) -> None:
        if merchant.status == "closed":
            raise Conflict(
                f"merchant {merchant.id} is closed; a closed store pays no deposit",
                field="merchant_id",
                rule=rule,
            )

    def account(self, merchant_id: str, purpose: str) -> str:
        """The merchant's account for ``purpose``, opened the first time it is needed."""
        code = merchant_account_code(merchant_id, purpose)
        self.ledger.open_account(code, purpose=purpose, merchant_id=merchant_id)
        return code

    def source(self, merchant_id: str, source: str) -> str:
        """Where a merchant's payment comes from: its wallet, or from outside (a bank card)."""
        return self.account(merchant_id, WALLET) if source == "wallet" else BANK

    def held(self, merchant_id: str, purpose: str) -> Money:
        code = merchant_account_code(merchant_id, purpose)
        try:
            return Money(self.ledger.balance(code).available)
        except NotFound:
            return Money(0)

    # timeline and decisions --------------------------------------------------------------
    def event(
        self,
        merchant_id: str,
        kind: str,
        summary: str,
        *,
        at: datetime | None = None,
        rule: str | None = None,
        amount: Money | None = None,
        **details: Any,
    ) -> None:
        self.session.add(
            EventRow(
                merchant_id=merchant_id,
                at=at or self.now(),
                kind=kind,
                rule_id=rule,
                amount=amount.cents if amount is not None else None,
                summary=summary[:1000],
                details=details,
            )
        )

    def decide(self, decision: Decision, *, as_of: datetime, key: str) -> bool:
        """Record ``decision`` once under ``key``, and put it on the merchant's timeline."""
        _, new = record_decision(self.session, self.clock, decision, as_of=as_of, dedupe_key=key)
        if new and decision.merchant_id:
            self.event(
                decision.merchant_id,
                f"decision:{decision.outcome}",
                decision.summary,
                at=as_of,
                rule=decision.rule_id,
                subject=decision.subject,
                policy=f"{decision.policy_family}@{decision.policy_version}",
            )
        return new
