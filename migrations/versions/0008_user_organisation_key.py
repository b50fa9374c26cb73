"""The voter's organisation in normalised form, beside its name, for the vote's statement.

Downgrade drops ``users.organisation_key``: derived data, which the upgrade computes again
from ``users.organisation_name``.

Revision ID: 0008
Revises: 0007
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md): a key computed from the name.
downgrade_drops = {"users.organisation_key": "derived"}

# A frozen copy of prizes.stocktaking.organisations.organisation_key as it was at 0008: a
# migration never imports the app, whose code moves on.
_LEGAL_SUFFIXES = re.compile(
    r"\b(the|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|sarl|srl|bv|nv|co|corp|corporation|company)\b"
)


def organisation_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())[:300]


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
