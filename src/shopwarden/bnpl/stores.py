"""Stores and BNPL: one-click enable, pause and resume, and the 1.0 → 2.0 upgrade.

Every change of a store's BNPL status re-decides its products' flags at once, set-based
(``reflag_sql.set_store_status``), in the same unit of work, and is written to the decision
log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from shopwarden.bnpl import reflag, reflag_sql, rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import StoreRow
from shopwarden.catalog import service as catalog
from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.errors import AlreadyExists, Conflict, RuleRefused

LEGACY_AGREEMENT = "bnpl-service-agreement-1.0"


def store(ctx: Context, *, merchant_id: str) -> StoreRow | None:
    """The merchant's BNPL store, None if it never had BNPL; 404 for an unknown merchant."""
    catalog.merchant(ctx, merchant_id=merchant_id)
    return ctx.session.get(StoreRow, merchant_id)


def stores(ctx: Context, *, status: str | None = None, limit: int = 100) -> list[StoreRow]:
    statement = select(StoreRow).order_by(StoreRow.merchant_id).limit(limit)
    if status == rules.STORE_LEGACY:
        statement = statement.where(StoreRow.generation == "1.0")
    elif status is not None:
        statement = statement.where(StoreRow.generation == "2.0", StoreRow.status == status)
    return list(ctx.session.scalars(statement))


# BNPL-1 ------------------------------------------------------------------------------------
def enable(
    ctx: Context,
    *,
    merchant_id: str,
    agreement_version: str,
    accepted: bool,
    as_of: datetime | None = None,
) -> tuple[StoreRow, bool]:
    """Enable at once with an upgraded wallet; returns (store, changed)."""
    as_of = as_of or ctx.now()
    merchant = catalog.merchant(ctx, merchant_id=merchant_id)
    if merchant.status == "closed":
        raise Conflict(f"merchant {merchant_id} is closed", field="merchant_id")
    row = ctx.session.get(StoreRow, merchant_id)
    if row is not None and row.generation == "2.0":
        if row.status == rules.STORE_PAUSED:
            raise Conflict(
                "BNPL is enabled and paused for this store; resume it instead",
                field="status",
                rule="BNPL-9",
            )
        return row, False  # enabled already: one click twice changes nothing
    ctx.check_listing(merchant_id=merchant_id, action="list_product")  # VIO-1: lists for BNPL
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    decided = rules.decide_enable(
        merchant_id,
        wallet_upgraded=merchant.wallet_upgraded,
        agreement_version=agreement_version,
        accepted=accepted,
        policy=terms.parameters,
        version=terms.version,
    )
    if not decided.allowed:
        raise RuleRefused(decided.detail, field=decided.field, rule="BNPL-1")
    if row is None:
        row = StoreRow(merchant_id=merchant_id, enabled_at=as_of)
        ctx.session.add(row)
    else:  # a 1.0 store that accepts the 2.0 agreement itself
        row.upgraded_at = as_of
    row.generation = "2.0"
    row.status = rules.STORE_ENABLED
    row.agreement_version = agreement_version
    row.agreement_accepted_at = as_of
    row.paused_at = None
    row.policy_version = terms.version
    row.updated_at = as_of
    ctx.session.flush()
    _apply(ctx, [merchant_id], rules.STORE_ENABLED, as_of)
    _record(ctx, decided.decision, f"enable:{merchant_id}", as_of)
    return row, True


# BNPL-9 ------------------------------------------------------------------------------------
def pause(
    ctx: Context, *, merchant_id: str, as_of: datetime | None = None
) -> tuple[StoreRow, bool]:
    """Consumers cannot pick BNPL at the store from now on; placed orders are unaffected."""
    return _set_status(ctx, merchant_id, rules.STORE_PAUSED, as_of or ctx.now())


def resume(
    ctx: Context, *, merchant_id: str, as_of: datetime | None = None
) -> tuple[StoreRow, bool]:
    return _set_status(ctx, merchant_id, rules.STORE_ENABLED, as_of or ctx.now())


def _set_status(
    ctx: Context, merchant_id: str, status: str, as_of: datetime
) -> tuple[StoreRow, bool]:
    row = store(ctx, merchant_id=merchant_id)
    if row is None or row.generation != "2.0":
        what = "has not enabled BNPL" if row is None else "is still on BNPL 1.0"
        raise Conflict(
            f"store {merchant_id} {what}; enable BNPL 2.0 first",
            field="merchant_id",
            rule="BNPL-9",
        )
    if row.status == status:
        return row, False
    if status == rules.STORE_ENABLED:  # VIO-1: resuming lists the products for BNPL again
        ctx.check_listing(merchant_id=merchant_id, action="list_product")
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    row.status = status
    row.paused_at = as_of if status == rules.STORE_PAUSED else None
    row.updated_at = as_of
    ctx.session.flush()
    _apply(ctx, [merchant_id], status, as_of)
    verb = "paused" if status == rules.STORE_PAUSED else "resumed"
    decision = rules.store_change_decision(
        merchant_id, "BNPL-9", verb, f"BNPL {verb} by the store", terms.version
    )
    _record(ctx, decision, f"{verb}:{merchant_id}", as_of)
    return row, True


# BNPL-11 -----------------------------------------------------------------------------------
def register_legacy(
    ctx: Context,
    *,
    merchant_id: str,
    enabled_at: datetime,
    agreement_version: str = LEGACY_AGREEMENT,
    as_of: datetime | None = None,
) -> StoreRow:
    """Record a store that had BNPL 1.0 before the upgrade (an import of the old system)."""
    as_of = as_of or ctx.now()
    catalog.merchant(ctx, merchant_id=merchant_id)
    if ctx.session.get(StoreRow, merchant_id) is not None:
        raise AlreadyExists(f"store {merchant_id} has BNPL already", field="merchant_id")
    row = StoreRow(
        merchant_id=merchant_id,
        generation="1.0",
        status=rules.STORE_ENABLED,
        agreement_version=agreement_version,
        agreement_accepted_at=enabled_at,
        enabled_at=enabled_at,
        policy_version=None,
        updated_at=as_of,
    )
    ctx.session.add(row)
    ctx.session.flush()
    if reflag.current_basis(ctx.session) is not None:  # 2.0 flags exist: not for this one
        reflag.insert_missing_for(ctx.session, [merchant_id], as_of)
        reflag_sql.set_store_status(ctx.session, [merchant_id], rules.STORE_LEGACY, as_of)
    return row


def upgrade_legacy(
    ctx: Context, *, merchant_ids: Sequence[str] | None = None, as_of: datetime | None = None
) -> list[StoreRow]:
    """Move 1.0 stores to 2.0: enabled, products flagged, free to pause (BNPL-11)."""
    as_of = as_of or ctx.now()
    legacy = _legacy_stores(ctx, merchant_ids)
    if not legacy:
        return []
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    for row in legacy:
        row.generation = "2.0"
        row.upgraded_at = as_of
        row.updated_at = as_of
        row.policy_version = terms.version
    ctx.session.flush()
    # Statuses carry over: a 1.0 store is enabled, so its eligible products are flagged.
    _apply(ctx, [s.merchant_id for s in legacy], rules.STORE_ENABLED, as_of)
    for row in legacy:
        decision = rules.store_change_decision(
            row.merchant_id,
            "BNPL-11",
            "upgraded",
            "moved from BNPL 1.0 to 2.0: eligible products flagged automatically; "
            "the store may pause BNPL",
            terms.version,
        )
        _record(ctx, decision, f"upgrade:{row.merchant_id}", as_of)
    return legacy


def _legacy_stores(ctx: Context, merchant_ids: Sequence[str] | None) -> list[StoreRow]:
    """The 1.0 stores (of ``merchant_ids``); an unknown merchant among them is a 404."""
    statement = select(StoreRow).where(StoreRow.generation == "1.0")
    if merchant_ids is not None:
        wanted = list(dict.fromkeys(merchant_ids))  # one query, however long the list
        known = set(ctx.session.scalars(select(MerchantRow.id).where(MerchantRow.id.in_(wanted))))
        for merchant_id in wanted:
            if merchant_id not in known:
                catalog.merchant(ctx, merchant_id=merchant_id)  # NotFound names it
        statement = statement.where(StoreRow.merchant_id.in_(wanted))
    return list(ctx.session.scalars(statement.order_by(StoreRow.merchant_id)))


# internals ---------------------------------------------------------------------------------
def _apply(ctx: Context, merchant_ids: list[str], status: str, as_of: datetime) -> None:
    reflag.ensure_basis(ctx, as_of=as_of)
    reflag.insert_missing_for(ctx.session, merchant_ids, as_of)
    reflag_sql.set_store_status(ctx.session, merchant_ids, status, as_of)


def _record(ctx: Context, decision: Decision, key: str, as_of: datetime) -> None:
    ctx.record(decision, as_of=as_of, key=f"bnpl:{key}:{as_of.isoformat()}")
