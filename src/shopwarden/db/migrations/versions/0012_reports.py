"""campaign reports (REPORT-1): campaigns and their segments

Revision ID: 0012_reports
Revises: 0011_trust
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0012_reports"
down_revision = "0011_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_campaigns",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("gmv_target_cents", sa.BigInteger(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("merchant_targets", sa.JSON(), nullable=False),
        sa.Column("baseline_campaign_id", sa.String(length=64), nullable=True),
        sa.Column("baseline_first_day", sa.Date(), nullable=True),
        sa.Column("baseline_last_day", sa.Date(), nullable=True),
        sa.Column("created_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_campaigns")),
    )
    op.create_index("ix_report_campaigns_name_industry", "report_campaigns", ["name", "industry"])


def downgrade() -> None:
    op.drop_index("ix_report_campaigns_name_industry", table_name="report_campaigns")
    op.drop_table("report_campaigns")
