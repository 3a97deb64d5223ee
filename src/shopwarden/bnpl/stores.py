"""Stores and BNPL: one-click enable, pause and resume, and the 1.0 → 2.0 upgrade.

Every change of a store's BNPL status re-decides its products' flags at once, set-based
(``reflag.set_store_status``), in the same transaction, and is written to the decision log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.bnpl import reflag, rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import StoreRow
from shopwarden.catalog.tables import MerchantRow
from shopwarden.clock import Clock
from shopwarden.db.lookup import get_or_raise
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_decision
from shopwarden.errors import AlreadyExists, Conflict, RuleRefused
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore

LEGACY_AGREEMENT = "bnpl-service-agreement-1.0"


class Stores:
    def __init__(self, session: Session, clock: Clock, policies: PolicyStore) -> None:
        self.session = session
        self.clock = clock
        self.policies = policies

    def _policy(self, as_of: datetime) -> tuple[PolicyVersion, BnplPolicy]:
        version = self.policies.in_force(rules.FAMILY, as_of)
        return version, version.parameters_as(BnplPolicy)

    def store(self, merchant_id: str) -> StoreRow | None:
        get_or_raise(
            self.session, MerchantRow, merchant_id, what="merchant", field="merchant_id"
        )  # 404 for an unknown merchant
        return self.session.get(StoreRow, merchant_id)

    def stores(self, *, status: str | None = None, limit: int = 100) -> list[StoreRow]:
        statement = select(StoreRow).order_by(StoreRow.merchant_id).limit(limit)
        if status == rules.STORE_LEGACY:
            statement = statement.where(StoreRow.generation == "1.0")
        elif status is not None:
            statement = statement.where(StoreRow.generation == "2.0", StoreRow.status == status)
        return list(self.session.scalars(statement))

    # BNPL-1 --------------------------------------------------------------------------------
    def enable(
        self,
        merchant_id: str,
        *,
        agreement_version: str,
        accepted: bool,
        as_of: datetime | None = None,
    ) -> tuple[StoreRow, bool]:
        """Enable at once with an upgraded wallet; returns (store, changed)."""
        as_of = as_of or self.clock.now()
        merchant = get_or_raise(
            self.session, MerchantRow, merchant_id, what="merchant", field="merchant_id"
        )
        if merchant.status == "closed":
            raise Conflict(f"merchant {merchant_id} is closed", field="merchant_id")
        store = self.session.get(StoreRow, merchant_id)
        if store is not None and store.generation == "2.0":
            if store.status == rules.STORE_PAUSED:
                raise Conflict(
                    "BNPL is enabled and paused for this store; resume it instead",
                    field="status",
                    rule="BNPL-9",
                )
            return store, False  # enabled already: one click twice changes nothing
        version, policy = self._policy(as_of)
        decided = rules.decide_enable(
            merchant_id,
            wallet_upgraded=merchant.wallet_upgraded,
            agreement_version=agreement_version,
            accepted=accepted,
            policy=policy,
            version=version.version,
        )
        if not decided.allowed:
            raise RuleRefused(decided.detail, field=decided.field, rule="BNPL-1")
        if store is None:
            store = StoreRow(merchant_id=merchant_id, enabled_at=as_of)
            self.session.add(store)
        else:  # a 1.0 store that accepts the 2.0 agreement itself
            store.upgraded_at = as_of
        store.generation = "2.0"
        store.status = rules.STORE_ENABLED
        store.agreement_version = agreement_version
        store.agreement_accepted_at = as_of
        store.paused_at = None
        store.policy_version = version.version
        store.updated_at = as_of
        self.session.flush()
        self._apply([merchant_id], rules.STORE_ENABLED, as_of)
        self._record(decided.decision, f"enable:{merchant_id}", as_of)
        return store, True

    # BNPL-9 --------------------------------------------------------------------------------
    def pause(self, merchant_id: str, *, as_of: datetime | None = None) -> tuple[StoreRow, bool]:
        """Consumers cannot pick BNPL at the store from now on; placed orders are unaffected."""
        return self._set_status(merchant_id, rules.STORE_PAUSED, as_of or self.clock.now())

    def resume(self, merchant_id: str, *, as_of: datetime | None = None) -> tuple[StoreRow, bool]:
        return self._set_status(merchant_id, rules.STORE_ENABLED, as_of or self.clock.now())

    def _set_status(self, merchant_id: str, status: str, as_of: datetime) -> tuple[StoreRow, bool]:
        store = self.store(merchant_id)
        if store is None or store.generation != "2.0":
            what = "has not enabled BNPL" if store is None else "is still on BNPL 1.0"
            raise Conflict(
                f"store {merchant_id} {what}; enable BNPL 2.0 first",
                field="merchant_id",
                rule="BNPL-9",
            )
        if store.status == status:
            return store, False
        version, _ = self._policy(as_of)
        store.status = status
        store.paused_at = as_of if status == rules.STORE_PAUSED else None
        store.updated_at = as_of
        self.session.flush()
        self._apply([merchant_id], status, as_of)
        verb = "paused" if status == rules.STORE_PAUSED else "resumed"
        decision = rules.store_change_decision(
            merchant_id, "BNPL-9", verb, f"BNPL {verb} by the store", version.version
        )
        self._record(decision, f"{verb}:{merchant_id}", as_of)
        return store, True

    # BNPL-11 -------------------------------------------------------------------------------
    def register_legacy(
        self,
        merchant_id: str,
        *,
        enabled_at: datetime,
        agreement_version: str = LEGACY_AGREEMENT,
        as_of: datetime | None = None,
    ) -> StoreRow:
        """Record a store that had BNPL 1.0 before the upgrade (an import of the old system)."""
        as_of = as_of or self.clock.now()
        get_or_raise(self.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")
        if self.session.get(StoreRow, merchant_id) is not None:
            raise AlreadyExists(f"store {merchant_id} has BNPL already", field="merchant_id")
        store = StoreRow(
            merchant_id=merchant_id,
            generation="1.0",
            status=rules.STORE_ENABLED,
            agreement_version=agreement_version,
            agreement_accepted_at=enabled_at,
            enabled_at=enabled_at,
            policy_version=None,
            updated_at=as_of,
        )
        self.session.add(store)
        self.session.flush()
        if reflag.current_basis(self.session) is not None:  # 2.0 flags exist: not for this one
            reflag.insert_missing_for(self.session, [merchant_id], as_of)
            reflag.set_store_status(self.session, [merchant_id], rules.STORE_LEGACY, as_of)
        return store

    def upgrade_legacy(
        self, merchant_ids: Sequence[str] | None = None, *, as_of: datetime | None = None
    ) -> list[StoreRow]:
        """Move 1.0 stores to 2.0: enabled, products flagged, free to pause (BNPL-11)."""
        as_of = as_of or self.clock.now()
        statement = select(StoreRow).where(StoreRow.generation == "1.0")
        if merchant_ids is not None:
            wanted = list(dict.fromkeys(merchant_ids))  # one query, however long the list
            known = set(
                self.session.scalars(select(MerchantRow.id).where(MerchantRow.id.in_(wanted)))
            )
            for merchant_id in wanted:
                if merchant_id not in known:
                    get_or_raise(
                        self.session, MerchantRow, merchant_id, what="merchant", field="merchant_id"
                    )  # NotFound names it
            statement = statement.where(StoreRow.merchant_id.in_(wanted))
        stores = list(self.session.scalars(statement.order_by(StoreRow.merchant_id)))
        if not stores:
            return []
        version, _ = self._policy(as_of)
        for store in stores:
            store.generation = "2.0"
            store.upgraded_at = as_of
            store.updated_at = as_of
            store.policy_version = version.version
        self.session.flush()
        ids = [s.merchant_id for s in stores]
        # Statuses carry over: a 1.0 store is enabled, so its eligible products are flagged.
        self._apply(ids, rules.STORE_ENABLED, as_of)
        for store in stores:
            decision = rules.store_change_decision(
                store.merchant_id,
                "BNPL-11",
                "upgraded",
                "moved from BNPL 1.0 to 2.0: eligible products flagged automatically; "
                "the store may pause BNPL",
                version.version,
            )
            self._record(decision, f"upgrade:{store.merchant_id}", as_of)
        return stores

    # internals -----------------------------------------------------------------------------
    def _apply(self, merchant_ids: list[str], status: str, as_of: datetime) -> None:
        reflag.ensure_basis(self.session, self.policies, as_of)
        reflag.insert_missing_for(self.session, merchant_ids, as_of)
        reflag.set_store_status(self.session, merchant_ids, status, as_of)

    def _record(self, decision: Decision, key: str, as_of: datetime) -> None:
        record_decision(
            self.session,
            self.clock,
            decision,
            as_of=as_of,
            dedupe_key=f"bnpl:{key}:{as_of.isoformat()}",
        )
