"""The voter's organisation in normalised form, beside its name, for the vote's statement.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from prizes.stocktaking.organisations import organisation_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("organisation_key", sa.String(length=300), nullable=True))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("organisation_name", sa.String()),
        sa.column("organisation_key", sa.String()),
    )
    connection = op.get_bind()
    named = connection.execute(
        sa.select(users.c.id, users.c.organisation_name).where(
            users.c.organisation_name.is_not(None)
        )
    ).all()
    if named:
        connection.execute(
            users.update().where(users.c.id == sa.bindparam("user_id")),
            [{"user_id": i, "organisation_key": organisation_key(name)} for i, name in named],
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("organisation_key")
