"""incoming payments: money from outside, pending until an operator confirms it (DEP-15)

Revision ID: 0007_incoming_payments
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0007_incoming_payments"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incoming_payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_incoming_payments_hold_id_ledger_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_incoming_payments_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_incoming_payments_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_payments")),
        sa.UniqueConstraint(
            "merchant_id", "reference", name=op.f("uq_incoming_payments_merchant_id")
        ),
    )
    op.create_index(
        op.f("ix_incoming_payments_merchant_id"), "incoming_payments", ["merchant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incoming_payments_merchant_id"), table_name="incoming_payments")
    op.drop_table("incoming_payments")
