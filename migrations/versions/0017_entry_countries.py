"""The other countries of a stocktaking entry that spans several (an international one
has the country XX, user-assigned in ISO 3166-1); and the runs of the bulk import in the
browser, each kept as its report.

Downgrade drops data: the table ``entry_countries`` (the further countries of the entries
that span several; each keeps its first country) and the table ``import_runs`` (the reports
of the imports made in the browser; the entries imported stay).

Revision ID: 0017
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"entry_countries": "data", "import_runs": "data"}


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
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "refused", "checked", "queued", "running", "done", "failed",
                name="import_status", native_enum=False, create_constraint=True, length=7,
            ),
            nullable=False,
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("done_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=True),
        sa.Column("updated_count", sa.Integer(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_import_runs_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )


def downgrade() -> None:
    op.drop_table("import_runs")
    op.drop_index(op.f("ix_entry_countries_country"), table_name="entry_countries")
    op.drop_table("entry_countries")
