"""trust purchase (TRUST-1..5): badges, rights, product name index

Revision ID: 0011_trust
Revises: 0010_violations
"""

from alembic import op  # noqa: F401

revision = "0011_trust"
down_revision = "0010_violations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
