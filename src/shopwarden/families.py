"""The rule families this deployment runs: part of the composition root, with ``bootstrap.py``.

This is the one list a new rule family is added to. Each entry names the family's policy
parameters (validated when a policy file loads), its tables (for the schema and Alembic), its
governance-cycle steps and its product listeners. The order of the entries is the order the
cycle runs their steps in: deposits lock merchant rows before anything touches ledger accounts,
the order money requests take too, so a cycle cannot deadlock with them on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType

from pydantic import BaseModel

from shopwarden.auth import tables as auth_tables
from shopwarden.bnpl import flags as bnpl_flags
from shopwarden.bnpl import steps as bnpl_steps
from shopwarden.bnpl import tables as bnpl_tables
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.catalog import tables as catalog_tables
from shopwarden.context import Hooks, ListingGuard, ProductListener
from shopwarden.cycle import builtin_steps
from shopwarden.cycle import tables as cycle_tables
from shopwarden.cycle.registry import CycleStep
from shopwarden.db.base import Base
from shopwarden.decisions import tables as decision_tables
from shopwarden.deposits import cash as deposit_cash
from shopwarden.deposits import risk as deposit_risk
from shopwarden.deposits import steps as deposit_steps
from shopwarden.deposits import tables as deposit_tables
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.facts import tables as facts_tables
from shopwarden.idempotency import tables as idempotency_tables
from shopwarden.ledger import tables as ledger_tables
from shopwarden.ledger.accounts import CORE_ACCOUNTS
from shopwarden.payments import tables as payment_tables
from shopwarden.platform_policy import PlatformPolicy
from shopwarden.reports import steps as report_steps
from shopwarden.reports import tables as report_tables
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.scoring import cycle_steps as score_steps
from shopwarden.scoring import tables as score_tables
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.shipping import steps as shipping_steps
from shopwarden.shipping import tables as shipping_tables
from shopwarden.shipping.accounts import PLATFORM_ACCOUNTS as SHIPPING_ACCOUNTS
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.trust import rights as trust_rights
from shopwarden.trust import steps as trust_steps
from shopwarden.trust import tables as trust_tables
from shopwarden.trust.policy import TrustPolicy
from shopwarden.violations import enforcement as violation_enforcement
from shopwarden.violations import steps as violation_steps
from shopwarden.violations import tables as violation_tables
from shopwarden.violations.policy import ViolationsPolicy


@dataclass(frozen=True)
class Family:
    """One rule family: its policy family name and what the composition root wires for it."""

    name: str
    policy: type[BaseModel]
    tables: tuple[ModuleType, ...] = ()
    steps: tuple[CycleStep, ...] = ()
    product_listeners: tuple[ProductListener, ...] = ()
    # Asked before a product path creates or lists (VIO-1): a guard refuses with RuleRefused.
    listing_guards: tuple[ListingGuard, ...] = ()
    # The platform's ledger accounts it posts to: purpose → may the balance go below zero?
    platform_accounts: Mapping[str, bool] = field(default_factory=dict)


FAMILIES: tuple[Family, ...] = (
    Family("platform", PlatformPolicy, steps=builtin_steps.STEPS),
    Family(
        "deposits",
        DepositsPolicy,
        tables=(deposit_tables, payment_tables),
        steps=deposit_steps.STEPS,  # DEP-2..14; first, see the module docstring
        product_listeners=(deposit_risk.on_product_changed, deposit_cash.on_product_changed),
        platform_accounts={
            "insurer": True,  # DEP-6: the insurer outside our books advances compensation
            "consumer_compensation": False,  # DEP-3, DEP-6: compensation paid to consumers
            "campaign_fees": False,  # DEP-12, DEP-13: Taoqianggou and Tiantiantemai fees
            "forfeited_deposits": False,  # DEP-9: forfeited risk deposits
            "payouts": False,  # DEP-14: deposit refunds paid out to the merchant's account
        },
    ),
    Family(
        "bnpl",
        BnplPolicy,
        tables=(bnpl_tables,),
        steps=bnpl_steps.STEPS,  # BNPL-2, 3, 7, 8
        product_listeners=(bnpl_flags.on_product_changed,),
        platform_accounts={
            "bnpl_fee_revenue": False,  # BNPL-6
            "bnpl_clearing": False,  # BNPL-7/8: collected, owed to merchants until settlement
            "consumer_receivables": True,  # BNPL-7: claims on consumers (negative: owed to us)
        },
    ),
    Family("score", ScorePolicy, tables=(score_tables,), steps=score_steps.STEPS),
    Family(
        "shipping",
        ShippingPolicy,
        tables=(shipping_tables,),
        steps=shipping_steps.STEPS,  # SHIP-2..5
        platform_accounts=SHIPPING_ACCOUNTS,  # SHIP-4, SHIP-5: penalties, compensation, owed
    ),
    Family(
        "violations",
        ViolationsPolicy,
        tables=(violation_tables,),
        steps=violation_steps.STEPS,  # VIO-1 delisting at a measure's start, VIO-5 its end
        listing_guards=(violation_enforcement.listing_guard,),  # VIO-1
        platform_accounts={"violation_penalties": False},  # VIO-5 penalties, VIO-6 given back
    ),
    Family(
        "trust",
        TrustPolicy,
        tables=(trust_tables,),
        steps=trust_steps.STEPS,  # TRUST-2, TRUST-4: badges re-decided daily
        product_listeners=(trust_rights.on_product_changed,),  # TRUST-2, TRUST-3
    ),
    Family("reports", ReportsPolicy, tables=(report_tables,), steps=report_steps.STEPS),
)

# Tables every deployment has, whatever families it runs.
CORE_TABLES = (
    auth_tables,
    catalog_tables,
    cycle_tables,
    decision_tables,
    facts_tables,
    idempotency_tables,
    ledger_tables,
)

POLICY_SCHEMAS: Mapping[str, type[BaseModel]] = MappingProxyType(
    {family.name: family.policy for family in FAMILIES}
)
"""Which parameter model validates each policy family (POL-2): the loader refuses others."""

CYCLE_STEPS: tuple[CycleStep, ...] = tuple(step for f in FAMILIES for step in f.steps)

PLATFORM_ACCOUNTS: Mapping[str, bool] = MappingProxyType(
    {**CORE_ACCOUNTS, **{p: neg for f in FAMILIES for p, neg in f.platform_accounts.items()}}
)
"""Every platform account the deployment posts to, opened by ``bootstrap``."""

HOOKS = Hooks(
    product_changed=tuple(hook for f in FAMILIES for hook in f.product_listeners),
    listing_guards=tuple(guard for f in FAMILIES for guard in f.listing_guards),
)

metadata = Base.metadata
"""Every table of every family (importing the modules above registered them), for Alembic."""

TABLE_MODULES = CORE_TABLES + tuple(module for f in FAMILIES for module in f.tables)
