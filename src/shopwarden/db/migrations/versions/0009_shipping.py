"""shipping: weekly in-stock measures, exemptions and overdue-shipment penalties (SHIP-1..5)

Revision ID: 0009_shipping
Revises: 0008_deposit_obligation_parts
"""

revision = "0009_shipping"
down_revision = "0008_deposit_obligation_parts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
