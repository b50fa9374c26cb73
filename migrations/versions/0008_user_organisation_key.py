"""The voter's organisation in normalised form, beside its name, for the vote's statement.

Revision ID: 0008
Revises: 0007

Self-contained: the key is computed by a frozen copy of the function as it stood when this
migration was written (0009 recomputes it with the key that keeps every script), and the
accounts are read and written in batches, never all at once.

Downgrade drops ``users.organisation_key``: derived data, which the upgrade computes again
from ``users.organisation_name``.
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

BATCH = 1000

_LEGAL_SUFFIXES = re.compile(
    r"\b(the|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|sarl|srl|bv|nv|co|corp|corporation|company)\b"
)


def _organisation_key_0008(name: str) -> str:
    """Frozen: lower case, accents and punctuation removed, legal-form words dropped."""
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
    after = 0
    while True:
        named = connection.execute(
            sa.select(users.c.id, users.c.organisation_name)
            .where(users.c.organisation_name.is_not(None), users.c.id > after)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not named:
            break
        connection.execute(
            users.update().where(users.c.id == sa.bindparam("user_id")),
            [
                {"user_id": i, "organisation_key": _organisation_key_0008(name)}
                for i, name in named
            ],
        )
        after = named[-1].id


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("organisation_key")
