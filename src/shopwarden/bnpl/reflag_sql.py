"""The set-based SQL that writes product flags in bulk (BNPL-2, BNPL-3).

Every statement here touches any number of products at once: an UPDATE … FROM the category
exclusion map, one UPDATE of every affected row's outcome from the facts beside it, one
INSERT … SELECT for products without a flag row. No Python loop ever walks the products.
:func:`_eligible` is the SQL twin of :func:`flag_rules.is_eligible`, and a test holds the two
equal. What to run, and on which basis, is ``reflag.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Result,
    Select,
    Subquery,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from shopwarden.bnpl import flag_rules, rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import CategoryExclusionRow, ProductFlagRow, StoreRow
from shopwarden.catalog.tables import CategoryRow, ProductRow, SkuRow

FLAGS = cast(Table, ProductFlagRow.__table__)
EXCLUSIONS = cast(Table, CategoryExclusionRow.__table__)
PRODUCTS = cast(Table, ProductRow.__table__)
SKUS = cast(Table, SkuRow.__table__)
STORES = cast(Table, StoreRow.__table__)
BIG_INSERT = 10_000

# The columns of a flag row, in the order the INSERT … SELECT fills them.
FLAG_COLUMNS = (
    "product_id",
    "merchant_id",
    "origin",
    "listed",
    "highest_price_cents",
    "category_code",
    "store_status",
    "excluded_by",
    "eligible",
    "flagged",
    "policy_version",
    "decided_at",
)


def any_missing(session: Session) -> bool:
    """Flag rows are a subset of the products (a foreign key), so equal counts mean none is
    missing: two counts instead of an anti-join over every product."""
    products = select(func.count()).select_from(PRODUCTS).scalar_subquery()
    flagged = select(func.count()).select_from(FLAGS).scalar_subquery()
    return bool(session.scalar(select(products - flagged)))


def rebuild_exclusions(
    session: Session, policy: BnplPolicy
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Write each category's nearest excluded ancestor-or-self (BNPL-3); return what changed
    and the excluded codes the tree does not know.

    The map has one row per category (a few hundred), so the product UPDATE can join it.
    """
    categories = session.execute(select(CategoryRow.code, CategoryRow.path)).all()
    known = {code for code, _ in categories}
    wanted = {
        code: flag_rules.nearest_excluded(flag_rules.lineage_of(path), policy.excluded_categories)
        for code, path in categories
    }
    stored = {
        code: by
        for code, by in session.execute(
            select(EXCLUSIONS.c.category_code, EXCLUSIONS.c.excluded_by)
        )
    }
    missing = object()  # a category without a row differs from one excluded by nothing
    changed = tuple(
        sorted(
            c
            for c in wanted.keys() | stored.keys()
            if wanted.get(c, missing) != stored.get(c, missing)
        )
    )
    if changed:
        session.execute(delete(EXCLUSIONS).where(EXCLUSIONS.c.category_code.in_(changed)))
        rows = [{"category_code": c, "excluded_by": wanted[c]} for c in changed if c in wanted]
        if rows:
            session.execute(insert(EXCLUSIONS), rows)
    unknown = tuple(code for code in policy.excluded_categories if code not in known)
    return changed, unknown


def _store_status(stores: Any) -> ColumnElement[str]:
    """not_enabled | bnpl_1_0 | enabled | paused, from an outer-joined ``bnpl_stores``."""
    return case(
        (stores.c.merchant_id.is_(None), literal(rules.STORE_NOT_ENABLED)),
        (stores.c.generation == "1.0", literal(rules.STORE_LEGACY)),
        else_=stores.c.status,
    )


def _eligible(
    origin: Any, listed: Any, price: Any, excluded_by: Any, policy: BnplPolicy
) -> ColumnElement[bool]:
    """The SQL twin of :func:`flag_rules.is_eligible` (BNPL-2, BNPL-3)."""
    limit = policy.price_limit.cents
    price_ok = price <= limit if policy.price_limit_inclusive else price < limit
    return and_(
        origin == flag_rules.SELF_BUILT,
        listed.is_(True),
        price.is_not(None),
        price_ok,
        excluded_by.is_(None),
    )


def _as_bool(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """NULL-safe: a condition is stored as true or false, never NULL."""
    return case((condition, literal(True)), else_=literal(False))


def insert_missing(
    session: Session,
    policy: BnplPolicy,
    version: str,
    as_of: datetime,
    merchant_ids: Sequence[str] | None = None,
) -> int:
    """One INSERT … SELECT for every product (of ``merchant_ids``) that has no flag row yet."""
    facts = _missing_facts(merchant_ids).subquery("facts")
    source = _decided(facts, policy, version, as_of)
    statement = insert(FLAGS).from_select(list(FLAG_COLUMNS), source)
    if session.get_bind().dialect.name == "postgresql":
        return _insert_counted(session, statement)
    return _rowcount(session.execute(statement))


def _missing_facts(merchant_ids: Sequence[str] | None) -> Select[Any]:
    """The facts of each product without a flag row, as the flag stores them."""
    stores = STORES.alias("s")
    status = _store_status(stores)
    # The highest price by a join and GROUP BY, not a correlated subquery: the planner joins
    # the SKUs by index for a few products and by hash for a million.
    missing = (
        select(
            PRODUCTS.c.id,
            PRODUCTS.c.merchant_id,
            PRODUCTS.c.origin,
            PRODUCTS.c.listed,
            func.max(SKUS.c.price_cents).label("price"),
            PRODUCTS.c.category_code,
            status.label("store_status"),
            EXCLUSIONS.c.excluded_by,
        )
        .select_from(
            PRODUCTS.join(EXCLUSIONS, EXCLUSIONS.c.category_code == PRODUCTS.c.category_code)
            .outerjoin(stores, stores.c.merchant_id == PRODUCTS.c.merchant_id)
            .outerjoin(SKUS, SKUS.c.product_id == PRODUCTS.c.id)
        )
        .where(~exists().where(FLAGS.c.product_id == PRODUCTS.c.id))
        .group_by(
            PRODUCTS.c.id,
            PRODUCTS.c.merchant_id,
            PRODUCTS.c.origin,
            PRODUCTS.c.listed,
            PRODUCTS.c.category_code,
            status,
            EXCLUSIONS.c.excluded_by,
        )
    )
    if merchant_ids is not None:
        missing = missing.where(PRODUCTS.c.merchant_id.in_(list(merchant_ids)))
    return missing


def _decided(facts: Subquery, policy: BnplPolicy, version: str, as_of: datetime) -> Select[Any]:
    """The facts with their outcome under ``policy``, in the order of :data:`FLAG_COLUMNS`."""
    ok = _eligible(facts.c.origin, facts.c.listed, facts.c.price, facts.c.excluded_by, policy)
    return select(
        *(facts.c[name] for name in ("id", "merchant_id", "origin", "listed", "price")),
        facts.c.category_code,
        facts.c.store_status,
        facts.c.excluded_by,
        _as_bool(ok),
        _as_bool(and_(ok, facts.c.store_status == rules.STORE_ENABLED)),
        literal(version),
        literal(as_of, FLAGS.c.decided_at.type),
    )


def _insert_counted(session: Session, statement: Insert) -> int:
    """psycopg reports no rowcount for INSERT … SELECT; count the rows it returns, in SQL."""
    inserted = statement.returning(FLAGS.c.product_id).cte("inserted")
    count = session.scalar(select(func.count()).select_from(inserted)) or 0
    if count > BIG_INSERT:  # fresh statistics, so later statements plan for the rows
        session.execute(text("ANALYZE bnpl_product_flags"))
    return count


def refresh_facts(session: Session) -> None:
    """Re-read every product's facts from the catalog, set-based (UPDATE … FROM)."""
    stores = STORES.alias("s")
    prices = (
        select(SKUS.c.product_id, func.max(SKUS.c.price_cents).label("price"))
        .group_by(SKUS.c.product_id)
        .subquery("prices")
    )
    source = (
        select(
            PRODUCTS.c.id,
            PRODUCTS.c.merchant_id,
            PRODUCTS.c.origin,
            PRODUCTS.c.listed,
            PRODUCTS.c.category_code,
            prices.c.price,
            _store_status(stores).label("store_status"),
        )
        .select_from(
            PRODUCTS.outerjoin(prices, prices.c.product_id == PRODUCTS.c.id).outerjoin(
                stores, stores.c.merchant_id == PRODUCTS.c.merchant_id
            )
        )
        .subquery("facts")
    )
    session.execute(
        update(FLAGS)
        .where(FLAGS.c.product_id == source.c.id)
        .values(
            merchant_id=source.c.merchant_id,
            origin=source.c.origin,
            listed=source.c.listed,
            category_code=source.c.category_code,
            highest_price_cents=source.c.price,
            store_status=source.c.store_status,
        )
    )


def place_in_tree(session: Session, where: ColumnElement[bool] | None = None) -> None:
    """Each row's nearest excluded category from the map: one UPDATE … FROM (BNPL-3)."""
    statement = (
        update(FLAGS)
        .where(FLAGS.c.category_code == EXCLUSIONS.c.category_code)
        .values(excluded_by=EXCLUSIONS.c.excluded_by)
    )
    if where is not None:
        statement = statement.where(where)
    session.execute(statement)


def redecide(
    session: Session,
    policy: BnplPolicy,
    version: str,
    as_of: datetime,
    where: ColumnElement[bool] | None = None,
) -> int:
    """One UPDATE of the outcome and version of each row, from the facts beside it."""
    ok = _eligible(
        FLAGS.c.origin,
        FLAGS.c.listed,
        FLAGS.c.highest_price_cents,
        FLAGS.c.excluded_by,
        policy,
    )
    statement = update(FLAGS).values(
        eligible=_as_bool(ok),
        flagged=_as_bool(and_(ok, FLAGS.c.store_status == rules.STORE_ENABLED)),
        policy_version=version,
        decided_at=as_of,
    )
    if where is not None:
        statement = statement.where(where)
    return _rowcount(session.execute(statement))


def set_store_status(
    session: Session, merchant_ids: Sequence[str], status: str, as_of: datetime
) -> int:
    """A store enabled, paused, resumed or upgraded: its products' flags follow at once."""
    if not merchant_ids:
        return 0
    result = session.execute(
        update(FLAGS)
        .where(FLAGS.c.merchant_id.in_(list(merchant_ids)))
        .values(
            store_status=status,
            flagged=_as_bool(FLAGS.c.eligible.is_(True))
            if status == rules.STORE_ENABLED
            else literal(False),
            decided_at=as_of,
        )
    )
    expire_flags(session)
    return _rowcount(result)


def _rowcount(result: Result[Any]) -> int:
    return max(int(getattr(result, "rowcount", 0)), 0)


def expire_flags(session: Session) -> None:
    """Flag objects loaded before a bulk statement are stale now."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ProductFlagRow):
            session.expire(obj)
