"""A finalised round keeps the counts that decided its shortlist, so that its results page
reads 180 numbers instead of counting a million votes again on every visit.

Revision ID: 0016
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_rounds") as batch:
        batch.add_column(sa.Column("final_counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("voting_rounds") as batch:
        batch.drop_column("final_counts")
