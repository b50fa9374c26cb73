"""The enforced timeline: the nominated list's and the champions' announcements, the
secretariat's overrides with their reasons, and one project per category per submitting
entity (the nominator's organisation).

Existing data: an edition that already shows nominated projects (it has public statuses or
a voting round) counts as announced from its first round's opening (else its submission
deadline); an edition with published results had its champions announced with them. The
submitting entity is copied from the nominator's profile; where an entity already holds
more than one place in a category (made before the rule), the earliest keeps the key and
the others keep NULL, which the unique index never compares, so the upgrade never fails
on history and every new nomination is held to the rule.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None

HOLDS_PLACE = sa.text("status NOT IN ('draft', 'withdrawn')")
PUBLIC = ("nominated", "shortlisted", "winner", "champion")
PLACE_HOLDING = ("submitted", "returned", "nominated", "rejected", *PUBLIC)


def upgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.add_column(
            sa.Column("nominated_list_announced_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("champions_announced_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "timeline_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_timeline_overrides_reason_given")
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_timeline_overrides_edition_id_editions")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_timeline_overrides_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_overrides")),
    )
    op.create_index(
        op.f("ix_timeline_overrides_edition_id"), "timeline_overrides", ["edition_id"]
    )
    with op.batch_alter_table("nominations") as batch:
        batch.add_column(sa.Column("submitter_key", sa.String(length=300), nullable=True))
    _backfill()
    with op.batch_alter_table("editions") as batch:
        batch.create_check_constraint(
            op.f("ck_editions_champions_after_nominated_list"),
            "champions_announced_at IS NULL OR nominated_list_announced_at IS NOT NULL",
        )
    op.create_index(
        "uq_nominations_one_per_submitter",
        "nominations",
        ["edition_id", "category_id", "submitter_key"],
        unique=True,
        sqlite_where=HOLDS_PLACE,
        postgresql_where=HOLDS_PLACE,
    )


def _backfill() -> None:
    connection = op.get_bind()
    editions = sa.table(
        "editions",
        sa.column("id", sa.Integer()),
        sa.column("submission_closes_at", sa.DateTime(timezone=True)),
        sa.column("results_published_at", sa.DateTime(timezone=True)),
        sa.column("nominated_list_announced_at", sa.DateTime(timezone=True)),
        sa.column("champions_announced_at", sa.DateTime(timezone=True)),
    )
    rounds = sa.table(
        "voting_rounds",
        sa.column("edition_id", sa.Integer()),
        sa.column("opens_at", sa.DateTime(timezone=True)),
    )
    nominations = sa.table(
        "nominations",
        sa.column("id", sa.Integer()),
        sa.column("edition_id", sa.Integer()),
        sa.column("category_id", sa.Integer()),
        sa.column("nominator_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("submitter_key", sa.String()),
    )
    users = sa.table(
        "users", sa.column("id", sa.Integer()), sa.column("organisation_key", sa.String())
    )
    first_round = dict(
        connection.execute(
            sa.select(rounds.c.edition_id, sa.func.min(rounds.c.opens_at)).group_by(
                rounds.c.edition_id
            )
        ).all()
    )
    with_public = set(
        connection.execute(
            sa.select(nominations.c.edition_id)
            .where(nominations.c.status.in_(PUBLIC))
            .distinct()
        ).scalars()
    )
    for edition_id, closes, published in connection.execute(
        sa.select(
            editions.c.id, editions.c.submission_closes_at, editions.c.results_published_at
        )
    ).all():
        if edition_id not in with_public and edition_id not in first_round:
            continue
        announced = first_round.get(edition_id) or closes
        connection.execute(
            editions.update()
            .where(editions.c.id == edition_id)
            .values(nominated_list_announced_at=announced, champions_announced_at=published)
        )
    rows = connection.execute(
        sa.select(
            nominations.c.id,
            nominations.c.edition_id,
            nominations.c.category_id,
            nominations.c.nominator_id,
            users.c.organisation_key,
        )
        .join(users, users.c.id == nominations.c.nominator_id)
        .where(nominations.c.status.in_(PLACE_HOLDING))
        .order_by(nominations.c.id)
    ).all()
    taken: set[tuple[int, int, str]] = set()
    keyed = []
    for nomination_id, edition_id, category_id, nominator_id, organisation in rows:
        key = organisation or f"user:{nominator_id}"
        if (edition_id, category_id, key) in taken:
            continue
        taken.add((edition_id, category_id, key))
        keyed.append({"nomination_id": nomination_id, "key": key})
    if keyed:
        connection.execute(
            nominations.update()
            .where(nominations.c.id == sa.bindparam("nomination_id"))
            .values(submitter_key=sa.bindparam("key")),
            keyed,
        )


def downgrade() -> None:
    op.drop_index("uq_nominations_one_per_submitter", table_name="nominations")
    with op.batch_alter_table("nominations") as batch:
        batch.drop_column("submitter_key")
    op.drop_index(op.f("ix_timeline_overrides_edition_id"), table_name="timeline_overrides")
    op.drop_table("timeline_overrides")
    with op.batch_alter_table("editions") as batch:
        batch.drop_constraint("ck_editions_champions_after_nominated_list", type_="check")
        batch.drop_column("champions_announced_at")
        batch.drop_column("nominated_list_announced_at")
