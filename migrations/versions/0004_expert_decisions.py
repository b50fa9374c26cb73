"""The expert group's settings per edition and the reason for deciding early.

Downgrade drops data: ``editions.nomination_cutoff``, ``editions.normalise_scores`` (each
edition's expert-group settings) and ``decisions.override_reason`` (why a decision came
early); `db downgrade` counts them and asks before it goes on.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {
    "editions.nomination_cutoff": "data",
    "editions.normalise_scores": "data",
    "decisions.override_reason": "data",
}


def upgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.add_column(sa.Column("nomination_cutoff", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("normalise_scores", sa.Boolean(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("override_reason")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("normalise_scores")
        batch.drop_column("nomination_cutoff")
