"""violations: cases, measures, penalties and appeals (VIO-1..6)

Revision ID: 0010_violations
Revises: 0009_shipping
"""

revision = "0010_violations"
down_revision = "0009_shipping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
