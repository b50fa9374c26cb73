"""The other countries of a stocktaking entry that spans several; an international one
has the country XX (user-assigned in ISO 3166-1, no single country).

Revision ID: 0017
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_countries",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["stocktaking_entries.id"],
            name=op.f("fk_entry_countries_entry_id_stocktaking_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "country", name=op.f("pk_entry_countries")),
    )
    op.create_index(op.f("ix_entry_countries_country"), "entry_countries", ["country"])


def downgrade() -> None:
    op.drop_index(op.f("ix_entry_countries_country"), table_name="entry_countries")
    op.drop_table("entry_countries")
