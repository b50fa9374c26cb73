"""Flag kinds are a checked enum (with the new matching_ballots); a flag may follow an earlier one.

An actioned flag is a decision taken on its evidence: the checks no longer reopen or rewrite
it. New evidence of the same pattern becomes a new flag whose ``follows_id`` names the earlier
one, so a pattern (round, kind, subject) has one first flag and a chain of follow-ups.

Downgrade drops data: the follow-up flags (the rows of ``suspicion_flags`` whose
``follows_id`` is set: the older schema allows one flag per pattern) and the column
``suspicion_flags.follows_id``; the first flag of each pattern and its decision stay.

Revision ID: 0012
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"suspicion_flags.follows_id": "data"}

# Frozen here: the kinds as this migration knows them (never import the app in a migration).
KINDS = (
    "network_burst",
    "bulk_logins",
    "fresh_single_project",
    "machine_cadence",
    "matching_ballots",
)
LENGTH = max(len(kind) for kind in KINDS)
KIND_IS_KNOWN = sa.text("kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")")
FIRST_OF_PATTERN = sa.text("follows_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("suspicion_flags") as batch:
        batch.drop_constraint(op.f("uq_suspicion_flags_round_id_kind_subject"), type_="unique")
        batch.alter_column(
            "kind",
            existing_type=sa.String(length=40),
            type_=sa.String(length=LENGTH),
            existing_nullable=False,
        )
        batch.create_check_constraint(op.f("ck_suspicion_flags_flag_kind"), KIND_IS_KNOWN)
        batch.add_column(sa.Column("follows_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_suspicion_flags_follows_id_suspicion_flags"),
            "suspicion_flags",
            ["follows_id"],
            ["id"],
        )
        batch.create_unique_constraint(op.f("uq_suspicion_flags_follows_id"), ["follows_id"])
        batch.create_check_constraint(
            op.f("ck_suspicion_flags_follows_another_flag"), sa.text("follows_id <> id")
        )
    op.create_index(
        "uq_suspicion_flags_first_of_pattern",
        "suspicion_flags",
        ["round_id", "kind", "subject"],
        unique=True,
        sqlite_where=FIRST_OF_PATTERN,
        postgresql_where=FIRST_OF_PATTERN,
    )


def downgrade() -> None:
    # Follow-ups would break the old one-flag-per-pattern rule: keep only the first flags.
    flags = sa.table("suspicion_flags", sa.column("follows_id", sa.Integer()))
    connection = op.get_bind()
    connection.execute(sa.delete(flags).where(flags.c.follows_id.is_not(None)))
    op.drop_index("uq_suspicion_flags_first_of_pattern", table_name="suspicion_flags")
    with op.batch_alter_table("suspicion_flags") as batch:
        batch.drop_constraint(op.f("ck_suspicion_flags_follows_another_flag"), type_="check")
        batch.drop_constraint(op.f("uq_suspicion_flags_follows_id"), type_="unique")
        batch.drop_constraint(
            op.f("fk_suspicion_flags_follows_id_suspicion_flags"), type_="foreignkey"
        )
        batch.drop_column("follows_id")
        batch.drop_constraint(op.f("ck_suspicion_flags_flag_kind"), type_="check")
        batch.alter_column(
            "kind",
            existing_type=sa.String(length=LENGTH),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
        batch.create_unique_constraint(
            op.f("uq_suspicion_flags_round_id_kind_subject"), ["round_id", "kind", "subject"]
        )
