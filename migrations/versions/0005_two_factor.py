"""Two-factor sign-in: the TOTP secret on the user, and one-time recovery codes.

Downgrade drops no data: while any account has two-factor data (a secret, its last used
step, recovery codes), the columns ``users.totp_secret``, ``users.totp_enabled_at``,
``users.totp_last_step`` and the table ``recovery_codes`` are kept (the older code ignores
them), and upgrading again finds them, so no account loses its second factor by a
downgrade and upgrade. With no such data they are dropped. Code older than 0005 does not ask
for the second factor while it runs.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md): nothing; the data is kept (above).
downgrade_drops: dict[str, str] = {}
downgrade_note = (
    "Two-factor data is kept for the next upgrade, but code older than 0005 does not ask "
    "for a second factor while it runs."
)


def _user_columns() -> list[sa.Column]:
    return [
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
    ]


def _present() -> tuple[set[str], set[str]]:
    inspector = sa.inspect(op.get_bind())
    return {c["name"] for c in inspector.get_columns("users")}, set(inspector.get_table_names())


def upgrade() -> None:
    columns, tables = _present()
    missing = [c for c in _user_columns() if c.name not in columns]
    if missing:
        with op.batch_alter_table("users") as batch:
            for column in missing:
                batch.add_column(column)
    if "recovery_codes" in tables:
        return  # kept by a downgrade, with its data
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False)


def downgrade() -> None:
    in_use = op.get_bind().execute(
        sa.text(
            "SELECT (SELECT count(*) FROM users WHERE totp_secret IS NOT NULL"
            " OR totp_enabled_at IS NOT NULL OR totp_last_step IS NOT NULL)"
            " + (SELECT count(*) FROM recovery_codes)"
        )
    ).scalar()
    if in_use:
        return  # kept: never switch an account's second factor off by a schema change
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
