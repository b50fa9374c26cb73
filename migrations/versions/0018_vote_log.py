"""The tamper-evident vote log of each round: leaves, stored nodes, signed tree heads.

Downgrade drops data: the tables ``log_leaves`` and ``log_nodes`` (derived: the worker builds
them again from the votes) and ``log_heads`` (the signed tree heads: those already published
stay valid, but the new heads after an upgrade are signed anew).

Revision ID: 0018
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0009"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"log_leaves": "derived", "log_nodes": "derived", "log_heads": "data"}

LEAF_KIND = ("vote", "invalidation", "reinstatement")


def upgrade() -> None:
    op.create_table(
        "log_leaves",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "leaf_index",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                *LEAF_KIND,
                name="log_leaf_kind",
                native_enum=False,
                create_constraint=True,
                length=13,
            ),
            nullable=False,
        ),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("category_number", sa.SmallInteger(), nullable=True),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column(
            "target_index", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("vote_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["voting_rounds.id"],
            name=op.f("fk_log_leaves_round_id_voting_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["votes.id"], name=op.f("fk_log_leaves_vote_id_votes")
        ),
        sa.PrimaryKeyConstraint("round_id", "leaf_index", name=op.f("pk_log_leaves")),
    )
    op.create_index("ix_log_leaves_vote", "log_leaves", ["vote_id"])
    op.create_index("ix_log_leaves_receipt", "log_leaves", ["receipt_hash"])
    op.create_table(
        "log_nodes",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column(
            "node_index",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=False,
        ),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["voting_rounds.id"],
            name=op.f("fk_log_nodes_round_id_voting_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "level", "node_index", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column(
            "tree_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["voting_rounds.id"],
            name=op.f("fk_log_heads_round_id_voting_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_heads")),
    )
    op.create_index("ix_log_heads_round", "log_heads", ["round_id", "tree_size"])


def downgrade() -> None:
    op.drop_index("ix_log_heads_round", table_name="log_heads")
    op.drop_table("log_heads")
    op.drop_table("log_nodes")
    op.drop_index("ix_log_leaves_receipt", table_name="log_leaves")
    op.drop_index("ix_log_leaves_vote", table_name="log_leaves")
    op.drop_table("log_leaves")
