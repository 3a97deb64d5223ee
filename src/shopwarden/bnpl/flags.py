"""Product flags one at a time (BNPL-2, BNPL-3): decided at once on every product change.

A product created, edited, listed or delisted through the catalog is re-decided by the pure
rule (:func:`flag_rules.decide_flag`) in the catalog's own unit of work, on the current basis
(see ``reflag.py``, which re-decides every product in bulk). Reading a flag rebuilds its
explanation from the facts stored beside it and its immutable policy version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopwarden.bnpl import flag_rules, rules
from shopwarden.bnpl.flag_rules import FlagDecision, ProductFacts
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.reflag import basis_policy, current_basis
from shopwarden.bnpl.tables import CategoryExclusionRow, ProductFlagRow, StoreRow
from shopwarden.catalog import service as catalog
from shopwarden.catalog.tables import CategoryRow, ProductRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import NotFound
from shopwarden.money import Money


# --- the facts ---------------------------------------------------------------------------------
def _store_status_of(session: Session, merchant_id: str) -> str:
    store = session.get(StoreRow, merchant_id)
    if store is None:
        return rules.STORE_NOT_ENABLED
    if store.generation == "1.0":
        return rules.STORE_LEGACY
    return store.status


def _excluded_by(session: Session, category_code: str, policy: BnplPolicy) -> str | None:
    """From the basis's map; a category added since is placed by its path (BNPL-3)."""
    row = session.get(CategoryExclusionRow, category_code)
    if row is not None:
        return row.excluded_by
    category = get_or_raise(session, CategoryRow, category_code, what="category", field="category")
    return flag_rules.nearest_excluded(
        flag_rules.lineage_of(category.path), policy.excluded_categories
    )


def _product_facts(session: Session, product: ProductRow, policy: BnplPolicy) -> ProductFacts:
    prices = [sku.price_cents for sku in product.skus]
    return ProductFacts(
        product_id=product.id,
        merchant_id=product.merchant_id,
        origin=product.origin,
        listed=product.listed,
        highest_price=Money(max(prices)) if prices else None,
        category_code=product.category_code,
        excluded_by=_excluded_by(session, product.category_code, policy),
        store_status=_store_status_of(session, product.merchant_id),
    )


def facts_of(row: ProductFlagRow) -> ProductFacts:
    """The facts stored beside a flag, for its explanation."""
    price = row.highest_price_cents
    return ProductFacts(
        product_id=row.product_id,
        merchant_id=row.merchant_id,
        origin=row.origin,
        listed=row.listed,
        highest_price=Money(price) if price is not None else None,
        category_code=row.category_code,
        excluded_by=row.excluded_by,
        store_status=row.store_status,
    )


# --- deciding one product ----------------------------------------------------------------------
def _reflag_product(session: Session, product: ProductRow) -> ProductFlagRow | None:
    """Decide one product's flag on the current basis and store it (BNPL-2)."""
    basis = current_basis(session)
    if basis is None:
        return None  # no flags yet: the first basis decides every product, set-based
    policy = BnplPolicy.model_validate(basis.parameters)
    facts = _product_facts(session, product, policy)
    decided = flag_rules.decide_flag(facts, policy, basis.policy_version)
    row = session.get(ProductFlagRow, product.id)
    if row is None:
        row = ProductFlagRow(product_id=product.id)
        session.add(row)
    row.merchant_id = facts.merchant_id
    row.origin = facts.origin
    row.listed = facts.listed
    row.highest_price_cents = facts.highest_price.cents if facts.highest_price else None
    row.category_code = facts.category_code
    row.store_status = facts.store_status
    row.excluded_by = facts.excluded_by
    row.eligible = decided.eligible
    row.flagged = decided.flagged
    row.policy_version = basis.policy_version
    row.decided_at = product.updated_at
    session.flush()
    return row


def on_product_changed(ctx: Context, *, product: ProductRow) -> None:
    """Listing or editing a product re-decides its flag at once (BNPL-2)."""
    _reflag_product(ctx.session, product)


def flag_for(ctx: Context, *, product: ProductRow, as_of: datetime) -> ProductFlagRow:
    """The product's flag row; decided and stored now on the current basis if it has none.

    Before any basis exists (no store has enabled BNPL yet) the flag is decided under the
    version in force and returned without being stored: reading changes nothing.
    """
    row = ctx.session.get(ProductFlagRow, product.id)
    if row is not None:
        return row
    if current_basis(ctx.session) is not None:
        stored = _reflag_product(ctx.session, product)
        assert stored is not None
        return stored
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    facts = _product_facts(ctx.session, product, terms.parameters)
    decided = flag_rules.decide_flag(facts, terms.parameters, terms.version)
    return _row(facts, decided, terms.version, as_of)


def _row(facts: ProductFacts, decided: FlagDecision, version: str, at: datetime) -> ProductFlagRow:
    return ProductFlagRow(
        product_id=facts.product_id,
        merchant_id=facts.merchant_id,
        origin=facts.origin,
        listed=facts.listed,
        highest_price_cents=facts.highest_price.cents if facts.highest_price else None,
        category_code=facts.category_code,
        store_status=facts.store_status,
        excluded_by=facts.excluded_by,
        eligible=decided.eligible,
        flagged=decided.flagged,
        policy_version=version,
        decided_at=at,
    )


# --- explaining --------------------------------------------------------------------------------
def _policy_of(ctx: Context, version: str) -> BnplPolicy:
    """The parameters of ``version``: from the policy book (immutable, POL-2), else as stored
    with the basis that used it."""
    try:
        return ctx.policy_version(rules.FAMILY, BnplPolicy, version).parameters
    except NotFound:
        return basis_policy(ctx.session, version)


def explain(ctx: Context, *, row: ProductFlagRow) -> FlagDecision:
    """The stored flag's explanation, rebuilt from its facts and its version."""
    policy = _policy_of(ctx, row.policy_version)
    return flag_rules.decide_flag(facts_of(row), policy, row.policy_version)


def explain_many(ctx: Context, *, rows: Sequence[ProductFlagRow]) -> list[FlagDecision]:
    """:func:`explain` for a page of rows, reading each version's parameters once."""
    by_version: dict[str, BnplPolicy] = {}
    decided = []
    for row in rows:
        if row.policy_version not in by_version:
            by_version[row.policy_version] = _policy_of(ctx, row.policy_version)
        policy = by_version[row.policy_version]
        decided.append(flag_rules.decide_flag(facts_of(row), policy, row.policy_version))
    return decided


# --- reading -----------------------------------------------------------------------------------
def flags_of(
    ctx: Context,
    *,
    merchant_id: str | None = None,
    flagged: bool | None = None,
    limit: int = 100,
    after: str | None = None,
) -> list[ProductFlagRow]:
    statement = select(ProductFlagRow).order_by(ProductFlagRow.product_id).limit(limit)
    if merchant_id:
        statement = statement.where(ProductFlagRow.merchant_id == merchant_id)
    if flagged is not None:
        statement = statement.where(ProductFlagRow.flagged.is_(flagged))
    if after:
        statement = statement.where(ProductFlagRow.product_id > after)
    return list(ctx.session.scalars(statement))


def flagged_count(ctx: Context, *, merchant_id: str) -> int:
    statement = select(func.count()).where(
        ProductFlagRow.merchant_id == merchant_id, ProductFlagRow.flagged.is_(True)
    )
    return ctx.session.scalar(statement) or 0


def category_exclusion(ctx: Context, *, code: str, as_of: datetime) -> tuple[str | None, str]:
    """Whether a category (and so every product in it) is excluded now (BNPL-3)."""
    category = catalog.category(ctx, code=code)
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    excluded = flag_rules.nearest_excluded(
        flag_rules.lineage_of(category.path), terms.parameters.excluded_categories
    )
    return excluded, terms.version
