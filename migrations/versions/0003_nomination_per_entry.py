"""One nomination per entry per edition counts only nominations that hold a place.

A draft or a withdrawn nomination no longer blocks others from nominating the same project:
before, anyone could start a draft of a project and so keep it out of the edition.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HOLDS_PLACE = sa.text("status NOT IN ('draft', 'withdrawn')")


def upgrade() -> None:
    with op.batch_alter_table("nominations") as batch:
        batch.drop_constraint("uq_nominations_edition_id_entry_id", type_="unique")
    op.create_index(
        "uq_nominations_one_per_entry",
        "nominations",
        ["edition_id", "entry_id"],
        unique=True,
        sqlite_where=HOLDS_PLACE,
        postgresql_where=HOLDS_PLACE,
    )


def downgrade() -> None:
    op.drop_index("uq_nominations_one_per_entry", table_name="nominations")
    with op.batch_alter_table("nominations") as batch:
        batch.create_unique_constraint(
            "uq_nominations_edition_id_entry_id", ["edition_id", "entry_id"]
        )
