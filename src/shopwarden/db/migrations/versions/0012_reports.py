"""campaign reports (REPORT-1): campaigns and their segments

Revision ID: 0012_reports
Revises: 0011_trust
"""

from alembic import op  # noqa: F401

revision = "0012_reports"
down_revision = "0011_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
