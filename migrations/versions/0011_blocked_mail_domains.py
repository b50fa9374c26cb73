"""The secretariat's own throw-away mail domains, added to the package's list.

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocked_mail_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_blocked_mail_domains_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_mail_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_blocked_mail_domains_domain")),
    )


def downgrade() -> None:
    op.drop_table("blocked_mail_domains")
