"""Product flags in bulk (BNPL-2, BNPL-3): set-based SQL, and the basis it decides on.

Two paths decide a flag, and tests hold them equal: one product at once by the pure rule
(``flags.py``), and every product here:

- a new policy version or a changed category tree re-decides every affected product with
  set-based SQL (:func:`reflag_all`): an UPDATE … FROM the category exclusion map for rows
  of categories whose exclusion changed, one UPDATE of every affected row's outcome from the
  facts beside it, and one INSERT … SELECT for products that have no flag row yet. No Python
  loop ever walks the products.

The *basis* is the policy version and category tree the flags were last decided on in bulk;
single-product decisions use the same basis, so every flag row answers to one version until
the governance cycle moves them all to the next one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Result,
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

from shopwarden.bnpl import rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import (
    CategoryExclusionRow,
    FlagBasisRow,
    ProductFlagRow,
    StoreRow,
)
from shopwarden.catalog.tables import CategoryRow, ProductRow, SkuRow
from shopwarden.errors import NotFound
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore

FLAGS = cast(Table, ProductFlagRow.__table__)
EXCLUSIONS = cast(Table, CategoryExclusionRow.__table__)
PRODUCTS = cast(Table, ProductRow.__table__)
SKUS = cast(Table, SkuRow.__table__)
STORES = cast(Table, StoreRow.__table__)
BIG_INSERT = 10_000


@dataclass(frozen=True)
class ReflagResult:
    """What a bulk re-flag did; the cycle step reports it."""

    policy_version: str
    inserted: int
    redecided: int
    changed_categories: tuple[str, ...]
    unknown_excluded: tuple[str, ...] = field(default_factory=tuple)
    full: bool = False

    def report(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "inserted": self.inserted,
            "redecided": self.redecided,
            "changed_categories": len(self.changed_categories),
            "unknown_excluded": list(self.unknown_excluded),
            "full": self.full,
        }


# --- the basis -------------------------------------------------------------------------------
def current_basis(session: Session) -> FlagBasisRow | None:
    return session.scalar(select(FlagBasisRow).order_by(FlagBasisRow.id.desc()).limit(1))


def basis_policy(session: Session, version: str) -> BnplPolicy:
    """The parameters a flag of ``version`` was decided with, as stored with its basis."""
    row = session.scalar(
        select(FlagBasisRow)
        .where(FlagBasisRow.policy_version == version)
        .order_by(FlagBasisRow.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"no BNPL flag basis for policy version {version}")
    return BnplPolicy.model_validate(row.parameters)


def ensure_basis(session: Session, policies: PolicyStore, as_of: datetime) -> FlagBasisRow:
    """The current basis; the first one is made from the policy in force, for every product."""
    basis = current_basis(session)
    if basis is None:
        reflag_all(session, policies.in_force(rules.FAMILY, as_of), as_of, full=True)
        basis = current_basis(session)
        assert basis is not None
    return basis


def tree_fingerprint(session: Session) -> str:
    """A hash of the category tree as stored: a moved or added category changes it."""
    rows = session.execute(select(CategoryRow.code, CategoryRow.path).order_by(CategoryRow.code))
    digest = hashlib.sha256()
    for code, path in rows:
        digest.update(f"{code}\t{path}\n".encode())
    return digest.hexdigest()


# --- bulk, set-based -------------------------------------------------------------------------
def reflag_all(
    session: Session, version: PolicyVersion, as_of: datetime, *, full: bool = False
) -> ReflagResult:
    """Re-decide every affected product's flag under ``version`` (BNPL-2, BNPL-3).

    A new policy version re-decides every row; the same version with a changed tree only the
    rows in categories whose exclusion changed. Products without a flag row get one. ``full``
    also re-reads each product's facts from the catalog (for products changed outside it).
    """
    policy = version.parameters_as(BnplPolicy)
    previous = current_basis(session)
    changed, unknown = _rebuild_exclusions(session, policy)
    if full:
        _refresh_facts(session)
        _place_in_tree(session)
    elif changed:
        _place_in_tree(session, FLAGS.c.category_code.in_(changed))
    if full or previous is None or previous.policy_version != version.version:
        redecided = _redecide(session, policy, version.version, as_of)
    elif changed:
        redecided = _redecide(
            session, policy, version.version, as_of, FLAGS.c.category_code.in_(changed)
        )
    else:
        redecided = 0
    inserted = (
        _insert_missing(session, policy, version.version, as_of) if _any_missing(session) else 0
    )
    session.add(
        FlagBasisRow(
            policy_version=version.version,
            parameters=policy.model_dump(mode="json"),
            tree_fingerprint=tree_fingerprint(session),
            as_of=as_of,
            products=inserted + redecided,
            recorded_at=as_of,
        )
    )
    session.flush()
    _expire_flags(session)
    return ReflagResult(version.version, inserted, redecided, changed, unknown, full)


def _any_missing(session: Session) -> bool:
    """Flag rows are a subset of the products (a foreign key), so equal counts mean none is
    missing: two counts instead of an anti-join over every product."""
    products = select(func.count()).select_from(PRODUCTS).scalar_subquery()
    flagged = select(func.count()).select_from(FLAGS).scalar_subquery()
    return bool(session.scalar(select(products - flagged)))


def _rebuild_exclusions(
    session: Session, policy: BnplPolicy
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Write each category's nearest excluded ancestor-or-self; return what changed.

    The map has one row per category (a few hundred), so the product UPDATE can join it.
    """
    categories = session.execute(select(CategoryRow.code, CategoryRow.path)).all()
    known = {code for code, _ in categories}
    wanted = {
        code: rules.nearest_excluded(rules.lineage_of(path), policy.excluded_categories)
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
    """The SQL twin of :func:`rules.is_eligible` (BNPL-2, BNPL-3)."""
    limit = policy.price_limit.cents
    price_ok = price <= limit if policy.price_limit_inclusive else price < limit
    return and_(
        origin == rules.SELF_BUILT,
        listed.is_(True),
        price.is_not(None),
        price_ok,
        excluded_by.is_(None),
    )


def _as_bool(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """NULL-safe: a condition is stored as true or false, never NULL."""
    return case((condition, literal(True)), else_=literal(False))


def insert_missing_for(session: Session, merchant_ids: Sequence[str], as_of: datetime) -> int:
    """Flag rows, on the current basis, for these merchants' products that have none."""
    basis = current_basis(session)
    assert basis is not None, "ensure_basis first"
    policy = BnplPolicy.model_validate(basis.parameters)
    return _insert_missing(session, policy, basis.policy_version, as_of, merchant_ids)


def _insert_missing(
    session: Session,
    policy: BnplPolicy,
    version: str,
    as_of: datetime,
    merchant_ids: Sequence[str] | None = None,
) -> int:
    """One INSERT … SELECT for every product that has no flag row yet."""
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
    facts = missing.subquery("facts")
    eligible = _eligible(facts.c.origin, facts.c.listed, facts.c.price, facts.c.excluded_by, policy)
    source = select(
        *(facts.c[name] for name in ("id", "merchant_id", "origin", "listed", "price")),
        facts.c.category_code,
        facts.c.store_status,
        facts.c.excluded_by,
        _as_bool(eligible),
        _as_bool(and_(eligible, facts.c.store_status == rules.STORE_ENABLED)),
        literal(version),
        literal(as_of, FLAGS.c.decided_at.type),
    )
    columns = [
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
    ]
    statement = insert(FLAGS).from_select(columns, source)
    if session.get_bind().dialect.name == "postgresql":
        # psycopg reports no rowcount for INSERT … SELECT; count the rows it returns, in SQL.
        inserted = statement.returning(FLAGS.c.product_id).cte("inserted")
        count = session.scalar(select(func.count()).select_from(inserted)) or 0
        if count > BIG_INSERT:  # fresh statistics, so later statements plan for the rows
            session.execute(text("ANALYZE bnpl_product_flags"))
        return count
    return _rowcount(session.execute(statement))


def _refresh_facts(session: Session) -> None:
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


def _place_in_tree(session: Session, where: ColumnElement[bool] | None = None) -> None:
    """Each row's nearest excluded category from the map: one UPDATE … FROM (BNPL-3)."""
    statement = (
        update(FLAGS)
        .where(FLAGS.c.category_code == EXCLUSIONS.c.category_code)
        .values(excluded_by=EXCLUSIONS.c.excluded_by)
    )
    if where is not None:
        statement = statement.where(where)
    session.execute(statement)


def _redecide(
    session: Session,
    policy: BnplPolicy,
    version: str,
    as_of: datetime,
    where: ColumnElement[bool] | None = None,
) -> int:
    """One UPDATE of the outcome and version of each row, from the facts beside it."""
    eligible = _eligible(
        FLAGS.c.origin,
        FLAGS.c.listed,
        FLAGS.c.highest_price_cents,
        FLAGS.c.excluded_by,
        policy,
    )
    statement = update(FLAGS).values(
        eligible=_as_bool(eligible),
        flagged=_as_bool(and_(eligible, FLAGS.c.store_status == rules.STORE_ENABLED)),
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
    _expire_flags(session)
    return _rowcount(result)


def _rowcount(result: Result[Any]) -> int:
    return max(int(getattr(result, "rowcount", 0)), 0)


def _expire_flags(session: Session) -> None:
    """Flag objects loaded before a bulk statement are stale now."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ProductFlagRow):
            session.expire(obj)


# --- one product, at once --------------------------------------------------------------------
