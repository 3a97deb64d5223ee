"""deposits: obligations, after-sales cases, covers, risk deposits, campaigns, refunds (DEP-1..14)

Money stays in the ledger; these tables hold the state the deposit rules need beside it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deposit_after_sales",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("claimed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("compensated", sa.BigInteger(), nullable=False),
        sa.Column("paid_by", sa.String(length=16), nullable=True),
        sa.Column("unpaid", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_after_sales_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_after_sales")),
    )
    with op.batch_alter_table("deposit_after_sales", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_after_sales_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "deposit_campaigns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("option", sa.String(length=16), nullable=True),
        sa.Column("fee_mode", sa.String(length=32), nullable=True),
        sa.Column("floor", sa.BigInteger(), nullable=True),
        sa.Column("rate", sa.String(length=24), nullable=True),
        sa.Column("cap", sa.BigInteger(), nullable=True),
        sa.Column("fixed_fee", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deposit", sa.BigInteger(), nullable=False),
        sa.Column("premium", sa.BigInteger(), nullable=False),
        sa.Column("gmv", sa.BigInteger(), nullable=False),
        sa.Column("fee_charged", sa.BigInteger(), nullable=False),
        sa.Column("enrolled_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_campaigns_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_campaigns")),
    )
    with op.batch_alter_table("deposit_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_campaigns_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "deposit_enrolments",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_enrolments_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_deposit_enrolments")),
    )
    op.create_table(
        "deposit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_deposit_events_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_events")),
    )
    with op.batch_alter_table("deposit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deposit_events_merchant_at", ["merchant_id", "at", "id"], unique=False
        )

    op.create_table(
        "deposit_insurance_covers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("bought_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lapsed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_insurance_covers_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_insurance_covers")),
    )
    with op.batch_alter_table("deposit_insurance_covers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_insurance_covers_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "deposit_obligations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_due", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("met_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "badges_revoked_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "badges_restored_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("shielded_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "shield_lift_due_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("shield_lifted_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_obligations_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_obligations")),
    )
    with op.batch_alter_table("deposit_obligations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deposit_obligations_merchant_status", ["merchant_id", "status"], unique=False
        )

    op.create_table(
        "deposit_refunds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("payout_account", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applied_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refundable", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("overdue_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payout_txn_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_deposit_refunds_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_refunds")),
    )
    with op.batch_alter_table("deposit_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_refunds_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "deposit_risk",
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assessed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_in_full_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activated_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_deposit_risk_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_deposit_risk")),
    )
    op.create_table(
        "deposit_risk_violations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("punished_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("forfeited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_risk_violations_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_risk_violations")),
    )
    with op.batch_alter_table("deposit_risk_violations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_risk_violations_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "deposit_campaign_orders",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("placed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_amount", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["deposit_campaigns.id"],
            name=op.f("fk_deposit_campaign_orders_campaign_id_deposit_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "order_id", name=op.f("pk_deposit_campaign_orders")),
    )
    op.create_table(
        "deposit_order_proceeds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=140), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("ordered_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("obligation_id", sa.BigInteger(), nullable=True),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("released_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_deposit_order_proceeds_merchant_id_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["deposit_obligations.id"],
            name=op.f("fk_deposit_order_proceeds_obligation_id_deposit_obligations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_order_proceeds")),
        sa.UniqueConstraint("order_id", name=op.f("uq_deposit_order_proceeds_order_id")),
    )
    with op.batch_alter_table("deposit_order_proceeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deposit_order_proceeds_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deposit_order_proceeds_obligation_id"), ["obligation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deposit_order_proceeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_order_proceeds_obligation_id"))
        batch_op.drop_index(batch_op.f("ix_deposit_order_proceeds_merchant_id"))

    op.drop_table("deposit_order_proceeds")
    op.drop_table("deposit_campaign_orders")
    with op.batch_alter_table("deposit_risk_violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_risk_violations_merchant_id"))

    op.drop_table("deposit_risk_violations")
    op.drop_table("deposit_risk")
    with op.batch_alter_table("deposit_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_refunds_merchant_id"))

    op.drop_table("deposit_refunds")
    with op.batch_alter_table("deposit_obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_deposit_obligations_merchant_status")

    op.drop_table("deposit_obligations")
    with op.batch_alter_table("deposit_insurance_covers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_insurance_covers_merchant_id"))

    op.drop_table("deposit_insurance_covers")
    with op.batch_alter_table("deposit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_deposit_events_merchant_at")

    op.drop_table("deposit_events")
    op.drop_table("deposit_enrolments")
    with op.batch_alter_table("deposit_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_campaigns_merchant_id"))

    op.drop_table("deposit_campaigns")
    with op.batch_alter_table("deposit_after_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposit_after_sales_merchant_id"))

    op.drop_table("deposit_after_sales")
