"""violations: cases, measures, penalties and appeals (VIO-1..6)

Revision ID: 0010_violations
Revises: 0009_shipping
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0010_violations"
down_revision = "0009_shipping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "violation_cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("broken_rule", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.String(length=4000), nullable=False),
        sa.Column("policy_version", sa.String(length=32), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("appeal_deadline", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("penalty_cents", sa.BigInteger(), nullable=True),
        sa.Column("penalty_txn_id", sa.BigInteger(), nullable=True),
        sa.Column("penalty_returned_txn_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "penalty_returned_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_violation_cases_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["penalty_returned_txn_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_violation_cases_penalty_returned_txn_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["penalty_txn_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_violation_cases_penalty_txn_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation_cases")),
    )
    op.create_index(
        op.f("ix_violation_cases_merchant_id"), "violation_cases", ["merchant_id"], unique=False
    )
    op.create_table(
        "violation_measures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("forbids", sa.JSON(), nullable=False),
        sa.Column("delist_on_start", sa.Boolean(), nullable=False),
        sa.Column("exposure_factor", sa.String(length=32), nullable=True),
        sa.Column("starts_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delisted_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delisted_count", sa.Integer(), nullable=False),
        sa.Column("lifted_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lift_reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["violation_cases.id"],
            name=op.f("fk_violation_measures_case_id_violation_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_violation_measures_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation_measures")),
    )
    op.create_index(
        op.f("ix_violation_measures_case_id"), "violation_measures", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_violation_measures_ends_at"), "violation_measures", ["ends_at"], unique=False
    )
    op.create_index(
        "ix_violation_measures_merchant_starts",
        "violation_measures",
        ["merchant_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "violation_appeals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("measure_id", sa.BigInteger(), nullable=True),
        sa.Column("statement", sa.String(length=4000), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("filed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("refund_txn_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["violation_cases.id"],
            name=op.f("fk_violation_appeals_case_id_violation_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["violation_measures.id"],
            name=op.f("fk_violation_appeals_measure_id_violation_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_violation_appeals_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["refund_txn_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_violation_appeals_refund_txn_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation_appeals")),
    )
    op.create_index(
        op.f("ix_violation_appeals_case_id"), "violation_appeals", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_violation_appeals_merchant_id"), "violation_appeals", ["merchant_id"], unique=False
    )
    op.create_index(
        op.f("ix_violation_appeals_status"), "violation_appeals", ["status"], unique=False
    )
    op.create_table(
        "violation_delistings",
        sa.Column("measure_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("delisted_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["violation_measures.id"],
            name=op.f("fk_violation_delistings_measure_id_violation_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_violation_delistings_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("measure_id", "product_id", name=op.f("pk_violation_delistings")),
    )
    op.create_index(
        op.f("ix_violation_delistings_product_id"),
        "violation_delistings",
        ["product_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_violation_delistings_product_id"), table_name="violation_delistings")
    op.drop_table("violation_delistings")
    op.drop_index(op.f("ix_violation_appeals_status"), table_name="violation_appeals")
    op.drop_index(op.f("ix_violation_appeals_merchant_id"), table_name="violation_appeals")
    op.drop_index(op.f("ix_violation_appeals_case_id"), table_name="violation_appeals")
    op.drop_table("violation_appeals")
    op.drop_index("ix_violation_measures_merchant_starts", table_name="violation_measures")
    op.drop_index(op.f("ix_violation_measures_ends_at"), table_name="violation_measures")
    op.drop_index(op.f("ix_violation_measures_case_id"), table_name="violation_measures")
    op.drop_table("violation_measures")
    op.drop_index(op.f("ix_violation_cases_merchant_id"), table_name="violation_cases")
    op.drop_table("violation_cases")
