"""trust purchase (TRUST-1..4): badges, rights, identity standings, product title index

Each product's badge and what trust needs of it (merchant, identity, lower-cased title), the
rights switched on or off on it, each merchant identity's standing against the admission
thresholds, and the characters and character pairs of the titles for look-up (TRUST-3).

Revision ID: 0011_trust
Revises: 0010_violations
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0011_trust"
down_revision = "0010_violations"
branch_labels = None
depends_on = None


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, shopwarden.db.base.UTCDateTime(timezone=True), nullable=nullable)


def _product_fk(table: str, target: str = "trust_products.product_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["product_id"],
        [target],
        name=op.f(f"fk_{table}_product_id_{target.split('.')[0]}"),
        ondelete=None if target.startswith("products") else "CASCADE",
    )


def _merchant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["merchant_id"], ["merchants.id"], name=op.f(f"fk_{table}_merchant_id_merchants")
    )


def upgrade() -> None:
    op.create_table(
        "trust_products",
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("identity", sa.String(length=16), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("title_folded", sa.String(length=300), nullable=False),
        sa.Column("holds", sa.Boolean(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        _instant("decided_at", nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=True),
        _product_fk("trust_products", "products.id"),
        _merchant_fk("trust_products"),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_trust_products")),
    )
    op.create_index(
        "ix_trust_products_merchant_identity", "trust_products", ["merchant_id", "identity"]
    )
    op.create_table(
        "trust_title_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("gram", "product_id", name=op.f("pk_trust_title_grams")),
    )
    op.create_table(
        "trust_product_rights",
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("right_code", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _instant("changed_at"),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        _product_fk("trust_product_rights"),
        sa.PrimaryKeyConstraint("product_id", "right_code", name=op.f("pk_trust_product_rights")),
    )
    op.create_table(
        "trust_standings",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("identity", sa.String(length=16), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        _instant("as_of"),
        _instant("measured_at"),
        _merchant_fk("trust_standings"),
        sa.PrimaryKeyConstraint("merchant_id", "identity", name=op.f("pk_trust_standings")),
    )


def downgrade() -> None:
    op.drop_table("trust_standings")
    op.drop_table("trust_product_rights")
    op.drop_table("trust_title_grams")
    op.drop_index("ix_trust_products_merchant_identity", table_name="trust_products")
    op.drop_table("trust_products")
