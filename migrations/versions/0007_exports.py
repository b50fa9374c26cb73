"""Exports written by the worker: their state, shared by every app host and worker.

Downgrade drops data: the ``exports`` table, the record of every export asked for (the
files stay in the export folder, and the audit trail keeps each request and download).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"exports": "data"}


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("votes", "nominations", name="export_kind", native_enum=False, create_constraint=True, length=11),
            nullable=False,
        ),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("edition_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="export_status", native_enum=False, create_constraint=True, length=7),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retries_left", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'votes' AND round_id IS NOT NULL) OR (kind = 'nominations' AND edition_id IS NOT NULL)",
            name=op.f("ck_exports_subject"),
        ),
        sa.CheckConstraint("status != 'done' OR file_name IS NOT NULL", name=op.f("ck_exports_done_has_file")),
        sa.ForeignKeyConstraint(["edition_id"], ["editions.id"], name=op.f("fk_exports_edition_id_editions")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_exports_requested_by_id_users")),
        sa.ForeignKeyConstraint(["round_id"], ["voting_rounds.id"], name=op.f("fk_exports_round_id_voting_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index(op.f("ix_exports_requested_at"), "exports", ["requested_at"], unique=False)
    op.create_index(op.f("ix_exports_status"), "exports", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_exports_status"), table_name="exports")
    op.drop_index(op.f("ix_exports_requested_at"), table_name="exports")
    op.drop_table("exports")
