"""A finalised round keeps the counts that decided its shortlist, so that its results page
reads 180 numbers instead of counting a million votes again on every visit.

Downgrade drops data: ``voting_rounds.final_counts`` (the counts each finalised round kept;
the older code counts the valid votes again, which differs only where votes were
invalidated after the round was advanced).

Revision ID: 0016
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"voting_rounds.final_counts": "data"}


def upgrade() -> None:
    with op.batch_alter_table("voting_rounds") as batch:
        batch.add_column(sa.Column("final_counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voting_rounds") as batch:
        batch.drop_column("final_counts")
