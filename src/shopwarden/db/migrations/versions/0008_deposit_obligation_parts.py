"""deposit obligation parts: one open obligation per increase of the top-up due (DEP-3, DEP-4)

Each increase keeps its own amount, what top-ups paid of it (oldest first) and what a lower
requirement released (newest first); the enrolment remembers when the merchant's due was last
assessed, so a policy version that raises the requirement opens its obligation at the
version's ``effective_from``. An obligation open before this migration becomes one part of
its whole outstanding amount.

Revision ID: 0008_deposit_obligation_parts
Revises: 0007_incoming_payments
"""

import sqlalchemy as sa
from alembic import op

import shopwarden.db.base

revision = "0008_deposit_obligation_parts"
down_revision = "0007_incoming_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deposit_obligations") as batch:
        batch.add_column(sa.Column("amount", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("paid", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("released", sa.BigInteger(), server_default="0", nullable=False))
    op.execute("UPDATE deposit_obligations SET amount = amount_due")
    with op.batch_alter_table("deposit_enrolments") as batch:
        batch.add_column(
            sa.Column("assessed_at", shopwarden.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("deposit_enrolments") as batch:
        batch.drop_column("assessed_at")
    with op.batch_alter_table("deposit_obligations") as batch:
        batch.drop_column("released")
        batch.drop_column("paid")
        batch.drop_column("amount")
