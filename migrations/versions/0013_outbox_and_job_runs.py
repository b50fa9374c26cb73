"""The outbox of mail and the job runs: what must happen is in the database first, so that
neither a Redis outage nor a killed worker loses it.

Downgrade drops data: the tables ``outgoing_mails`` (every mail's state, and the bodies of
the mail not yet sent: send or note them first) and ``job_runs`` (the record of each fraud
check and export run).

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"outgoing_mails": "data", "job_runs": "data"}

MAIL_STATUS = ("pending", "sending", "sent", "unconfirmed", "failed")
RUN_STATUS = ("queued", "running", "done", "failed")


def upgrade() -> None:
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*MAIL_STATUS, name="mail_status", native_enum=False, create_constraint=True, length=11),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outgoing_mails_message_id")),
    )
    op.create_index(op.f("ix_outgoing_mails_created_at"), "outgoing_mails", ["created_at"])
    op.create_index("ix_outgoing_mails_due", "outgoing_mails", ["status", "next_attempt_at"])
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*RUN_STATUS, name="job_run_status", native_enum=False, create_constraint=True, length=7),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_kind"), "job_runs", ["kind"])
    op.create_index(op.f("ix_job_runs_queued_at"), "job_runs", ["queued_at"])
    op.create_index("ix_job_runs_state", "job_runs", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_state", table_name="job_runs")
    op.drop_index(op.f("ix_job_runs_queued_at"), table_name="job_runs")
    op.drop_index(op.f("ix_job_runs_kind"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_index("ix_outgoing_mails_due", table_name="outgoing_mails")
    op.drop_index(op.f("ix_outgoing_mails_created_at"), table_name="outgoing_mails")
    op.drop_table("outgoing_mails")
