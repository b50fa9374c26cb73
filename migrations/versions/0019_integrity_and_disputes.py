"""The integrity threshold and the disputes (issue 17, section 3): per edition the share of
a nominee's invalidated or flagged votes that sends it to the secretariat's review, and the
days a dispute may be opened after a step; the reviews of the marked nominations; the
disputes and the expert group's opinions on them.

Downgrade drops data: the columns ``editions.integrity_threshold_percent`` and
``editions.dispute_window_days`` (each edition's settings; the older code has neither), the
table ``integrity_reviews`` (the secretariat's keep or disqualify decisions; a shortlist
already made stays as it is), and the tables ``disputes`` and ``dispute_opinions`` (every
dispute with its answer and the experts' opinions; their steps stay in the audit trail).

Revision ID: 0019
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {
    "editions.integrity_threshold_percent": "data",
    "editions.dispute_window_days": "data",
    "integrity_reviews": "data",
    "disputes": "data",
    "dispute_opinions": "data",
}


def upgrade() -> None:
    op.create_table(
        "integrity_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("total_votes", sa.Integer(), nullable=False),
        sa.Column("suspect_votes", sa.Integer(), nullable=False),
        sa.Column("threshold_percent", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "kept",
                "disqualified",
                name="integrity_review_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status <> 'disqualified' OR reason IS NOT NULL",
            name=op.f("ck_integrity_reviews_reason_when_disqualified"),
        ),
        sa.CheckConstraint(
            "status = 'pending' OR decided_at IS NOT NULL",
            name=op.f("ck_integrity_reviews_decision_recorded"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_integrity_reviews_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_integrity_reviews_nomination_id_nominations"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["voting_rounds.id"],
            name=op.f("fk_integrity_reviews_round_id_voting_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_reviews")),
        sa.UniqueConstraint(
            "round_id", "nomination_id", name=op.f("uq_integrity_reviews_round_id_nomination_id")
        ),
    )
    with op.batch_alter_table("integrity_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrity_reviews_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integrity_reviews_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column(
            "subject",
            sa.Enum(
                "vote",
                "nomination",
                "result",
                name="dispute_subject",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("vote_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "answered",
                "referred",
                "closed",
                name="dispute_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("referral_note", sa.Text(), nullable=True),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("referred_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "upheld",
                "not_upheld",
                name="dispute_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state <> 'closed' OR outcome IS NOT NULL", name=op.f("ck_disputes_outcome_when_closed")
        ),
        sa.CheckConstraint(
            "state NOT IN ('answered', 'closed') OR answer IS NOT NULL",
            name=op.f("ck_disputes_answer_given"),
        ),
        sa.CheckConstraint(
            "subject <> 'nomination' OR nomination_id IS NOT NULL",
            name=op.f("ck_disputes_nomination_named"),
        ),
        sa.CheckConstraint(
            "subject <> 'result' OR round_id IS NOT NULL", name=op.f("ck_disputes_round_named")
        ),
        sa.CheckConstraint(
            "subject <> 'vote' OR vote_id IS NOT NULL", name=op.f("ck_disputes_vote_named")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_disputes_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_disputes_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_disputes_edition_id_editions")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_disputes_nomination_id_nominations"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_disputes_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_id"], ["users.id"], name=op.f("fk_disputes_referred_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["voting_rounds.id"], name=op.f("fk_disputes_round_id_voting_rounds")
        ),
        sa.ForeignKeyConstraint(["vote_id"], ["votes.id"], name=op.f("fk_disputes_vote_id_votes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_edition_id"), ["edition_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_disputes_opened_by_id"), ["opened_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disputes_round_id"), ["round_id"], unique=False)

    op.create_table(
        "dispute_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_opinions_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["users.id"], name=op.f("fk_dispute_opinions_expert_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_opinions")),
    )
    with op.batch_alter_table("dispute_opinions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_opinions_dispute_id"), ["dispute_id"], unique=False
        )

    # A CHECK is added on SQLite by copying the table (a batch); the migrations run with
    # its foreign keys off (migrations/env.py), so the references to editions stay.
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "integrity_threshold_percent",
                sa.SmallInteger(),
                server_default="30",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("dispute_window_days", sa.SmallInteger(), server_default="7", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_integrity_threshold_range"),
            "integrity_threshold_percent BETWEEN 1 AND 100",
        )
        batch_op.create_check_constraint(
            op.f("ck_editions_dispute_window_range"), "dispute_window_days BETWEEN 0 AND 365"
        )


def downgrade() -> None:
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_editions_dispute_window_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_editions_integrity_threshold_range"), type_="check")
        batch_op.drop_column("dispute_window_days")
        batch_op.drop_column("integrity_threshold_percent")

    with op.batch_alter_table("dispute_opinions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_opinions_dispute_id"))

    op.drop_table("dispute_opinions")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_round_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_opened_by_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_edition_id"))

    op.drop_table("disputes")
    with op.batch_alter_table("integrity_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_reviews_round_id"))
        batch_op.drop_index(batch_op.f("ix_integrity_reviews_nomination_id"))

    op.drop_table("integrity_reviews")
