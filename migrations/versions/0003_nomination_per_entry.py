"""One nomination per entry per edition counts only nominations that hold a place.

A draft or a withdrawn nomination no longer blocks others from nominating the same project:
before, anyone could start a draft of a project and so keep it out of the edition.

Downgrade drops no data. It refuses, changing nothing, when an entry has more than one
nomination in an edition (a draft or a withdrawn one beside another), which the older
constraint forbids: withdraw or remove the extra drafts first.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HOLDS_PLACE = sa.text("status NOT IN ('draft', 'withdrawn')")

# What downgrade() loses (docs/migrations.md): nothing.
downgrade_drops: dict[str, str] = {}


def upgrade() -> None:
    with op.batch_alter_table("nominations") as batch:
        batch.drop_constraint("uq_nominations_edition_id_entry_id", type_="unique")
    op.create_index(
        "uq_nominations_one_per_entry",
        "nominations",
        ["edition_id", "entry_id"],
        unique=True,
        sqlite_where=HOLDS_PLACE,
        postgresql_where=HOLDS_PLACE,
    )


def downgrade() -> None:
    doubles = op.get_bind().execute(
        sa.text(
            "SELECT edition_id, entry_id, count(*) FROM nominations "
            "GROUP BY edition_id, entry_id HAVING count(*) > 1 ORDER BY edition_id, entry_id"
        )
    ).all()
    if doubles:
        shown = ", ".join(f"edition {e} entry {n} ({c} nominations)" for e, n, c in doubles[:5])
        raise RuntimeError(
            f"cannot downgrade below 0003: {len(doubles)} entries have more than one "
            f"nomination in an edition, which the older schema forbids ({shown}); "
            "nothing was changed"
        )
    op.drop_index("uq_nominations_one_per_entry", table_name="nominations")
    with op.batch_alter_table("nominations") as batch:
        batch.create_unique_constraint(
            "uq_nominations_edition_id_entry_id", ["edition_id", "entry_id"]
        )
