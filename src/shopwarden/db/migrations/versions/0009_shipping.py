"""shipping: weekly in-stock measures, exemptions and overdue-shipment penalties (SHIP-1..5)

Money stays in the ledger; these tables hold each merchant's measured week and SHIP-3's
answer, the exemptions of a week and their use, and every overdue shipment with its penalty
or waiver and the consumer's compensation.

Revision ID: 0009_shipping
Revises: 0008_deposit_obligation_parts
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0009_shipping"
down_revision = "0008_deposit_obligation_parts"
branch_labels = None
depends_on = None


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, shopwarden.db.base.UTCDateTime(timezone=True), nullable=nullable)


def _merchant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["merchant_id"], ["merchants.id"], name=op.f(f"fk_{table}_merchant_id_merchants")
    )


def upgrade() -> None:
    op.create_table(
        "shipping_week_measures",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("paid_orders", sa.BigInteger(), nullable=False),
        sa.Column("committed_orders", sa.BigInteger(), nullable=False),
        sa.Column("flash_orders", sa.BigInteger(), nullable=False),
        sa.Column("due_orders", sa.BigInteger(), nullable=False),
        sa.Column("on_time_orders", sa.BigInteger(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        _instant("evaluated_at"),
        sa.Column("evaluated_by", sa.String(length=16), nullable=False),
        _merchant_fk("shipping_week_measures"),
        sa.PrimaryKeyConstraint(
            "merchant_id", "week_start", name=op.f("pk_shipping_week_measures")
        ),
    )
    op.create_table(
        "shipping_exemptions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        _instant("valid_from"),
        _instant("valid_until"),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.Column("carried_in", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("lapsed", sa.Integer(), nullable=False),
        sa.Column("carried_out", sa.Integer(), nullable=False),
        _instant("granted_at"),
        _instant("closed_at", nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        _merchant_fk("shipping_exemptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_exemptions")),
        sa.UniqueConstraint(
            "merchant_id", "week_start", name=op.f("uq_shipping_exemptions_merchant_id")
        ),
    )
    with op.batch_alter_table("shipping_exemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipping_exemptions_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipping_exemptions_week_start"), ["week_start"], unique=False
        )
    op.create_table(
        "shipping_overdue_shipments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        _instant("paid_at"),
        sa.Column("promised_shipping_hours", sa.Integer(), nullable=False),
        sa.Column("flash_purchase", sa.Boolean(), nullable=False),
        sa.Column("committed_in_stock", sa.Boolean(), nullable=False),
        _instant("deadline"),
        _instant("shipped_at", nullable=True),
        _instant("reported_at"),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("exemption_id", sa.BigInteger(), nullable=True),
        sa.Column("penalty", sa.BigInteger(), nullable=False),
        sa.Column("charged", sa.BigInteger(), nullable=False),
        sa.Column("compensation", sa.BigInteger(), nullable=False),
        sa.Column("from_wallet", sa.BigInteger(), nullable=False),
        sa.Column("owed", sa.BigInteger(), nullable=False),
        sa.Column("collected", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["exemption_id"],
            ["shipping_exemptions.id"],
            name=op.f("fk_shipping_overdue_shipments_exemption_id_shipping_exemptions"),
        ),
        _merchant_fk("shipping_overdue_shipments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_overdue_shipments")),
        sa.UniqueConstraint("order_id", name=op.f("uq_shipping_overdue_shipments_order_id")),
    )
    with op.batch_alter_table("shipping_overdue_shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipping_overdue_merchant_week", ["merchant_id", "week_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipping_overdue_shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipping_overdue_merchant_week")
    op.drop_table("shipping_overdue_shipments")
    with op.batch_alter_table("shipping_exemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipping_exemptions_week_start"))
        batch_op.drop_index(batch_op.f("ix_shipping_exemptions_merchant_id"))
    op.drop_table("shipping_exemptions")
    op.drop_table("shipping_week_measures")
