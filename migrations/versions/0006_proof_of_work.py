"""Proof of work against scripts: the challenges already used, and the rounds that ask it.

Downgrade drops no data: while a round asks for proof of work or a used challenge is
recorded, the column ``voting_rounds.requires_proof_of_work`` and the table
``used_challenges`` are kept (the older code ignores them), so upgrading again switches no
round's protection off and lets no used challenge be replayed. With no such data they are
dropped. Code older than 0006 does not ask voters for proof of work while it runs.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md): nothing; the data is kept (above).
downgrade_drops: dict[str, str] = {}
downgrade_note = (
    "Proof-of-work switches and used challenges are kept for the next upgrade, but code "
    "older than 0006 does not ask voters for proof of work while it runs."
)


def _present() -> tuple[set[str], set[str]]:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("voting_rounds")}
    return columns, set(inspector.get_table_names())


def upgrade() -> None:
    columns, tables = _present()
    if "used_challenges" not in tables:
        op.create_table(
            "used_challenges",
            sa.Column("nonce", sa.String(length=64), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_challenges")),
        )
        op.create_index(
            op.f("ix_used_challenges_expires_at"), "used_challenges", ["expires_at"], unique=False
        )
    if "requires_proof_of_work" not in columns:
        with op.batch_alter_table("voting_rounds") as batch:
            batch.add_column(
                sa.Column("requires_proof_of_work", sa.Boolean(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    in_use = op.get_bind().execute(
        sa.text(
            "SELECT (SELECT count(*) FROM voting_rounds WHERE requires_proof_of_work)"
            " + (SELECT count(*) FROM used_challenges)"
        )
    ).scalar()
    if in_use:
        return  # kept: never switch a round's protection off by a schema change
    with op.batch_alter_table("voting_rounds") as batch:
        batch.drop_column("requires_proof_of_work")
    op.drop_index(op.f("ix_used_challenges_expires_at"), table_name="used_challenges")
    op.drop_table("used_challenges")
