"""order-fact ingests and daily score snapshots (SCORE-5)

Revision ID: 0005
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_ingests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("facts_root", sa.String(length=1000), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("already_stored", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("quarantine_file", sa.String(length=1000), nullable=True),
        sa.Column("ingested_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_ingests")),
        sa.UniqueConstraint("batch", name=op.f("uq_fact_ingests_batch")),
        sa.UniqueConstraint("sha256", name=op.f("uq_fact_ingests_sha256")),
    )
    op.create_table(
        "score_snapshots",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("as_of", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_start", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("scored_orders", sa.Integer(), nullable=False),
        sa.Column("total_hundredths", sa.Integer(), nullable=True),
        sa.Column("score_hundredths", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=64), nullable=True),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("consumers", sa.JSON(), nullable=False),
        sa.Column("recorded_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_score_snapshots_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_snapshots")),
        sa.UniqueConstraint("merchant_id", "day", name="uq_score_snapshots_merchant_day"),
    )
    with op.batch_alter_table("score_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_score_snapshots_day", ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("score_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_score_snapshots_day")
    op.drop_table("score_snapshots")
    op.drop_table("fact_ingests")
