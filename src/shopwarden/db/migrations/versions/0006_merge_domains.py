"""merge the domain branches: deposits (0003), BNPL (0004) and scoring (0005)

The three rule families were built side by side on the foundation (0002); from here the
history has one head again.

Revision ID: 0006
Revises: 0003, 0004, 0005
"""

revision = "0006"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
