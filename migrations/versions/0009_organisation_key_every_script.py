"""Organisation keys that keep letters in every script; a name with none has no key (NULL).

Before, a name written wholly in Arabic, Chinese or Cyrillic became the empty key, so all such
organisations counted as one. This migration recomputes every stored key (accounts, entries,
nominations) with a frozen copy of the function as it stands now, in batches, and lets the
entries' and nominations' keys be NULL (a unique index treats NULLs as distinct).

A nomination's key was copied from its entry at submission: it gets the entry's new key when
it still held the entry's old one, else its own old key is normalised again.

On SQLite the NOT NULL columns are replaced rather than altered (a new column is filled, the
old one dropped and the new one renamed): rebuilding a referenced table would break its
foreign keys inside the migration's transaction.

The submitting entity of each nomination (``nominations.submitter_key``) is recomputed from
its nominator's new key too.

Downgrade changes derived data only: ``users.organisation_key``,
``stocktaking_entries.organisation_key`` and ``nominations.organisation_key`` go back to the
ASCII-only key (recomputed from the names); ``nominations.submitter_key`` keeps the new form.

Revision ID: 0009
Revises: 0016
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0016"
branch_labels = None
depends_on = None

# What downgrade() rewrites, and what upgrade() rewrites on purpose (docs/migrations.md).
downgrade_drops = {
    "users.organisation_key": "derived",
    "stocktaking_entries.organisation_key": "derived",
    "nominations.organisation_key": "derived",
}
upgrade_changes = {
    "users.organisation_key": "recomputed: letters of every script are kept",
    "stocktaking_entries.organisation_key": "recomputed with the same key",
    "nominations.organisation_key": "recomputed with the same key",
    "nominations.submitter_key": "follows the nominator's recomputed key",
}

BATCH = 1000
NEW = "organisation_key_0009"
HOLDS_PLACE = "status NOT IN ('draft', 'withdrawn')"

# --- frozen copy of prizes.core.text.organisation_key as of this migration -----------------

_LEADING_WORDS = frozenset({"the"})
_LEGAL_FORMS = frozenset(
    {
        "inc", "incorporated", "ltd", "limited", "llc", "plc", "gmbh", "ag", "sa", "sarl",
        "srl", "bv", "nv", "co", "corp", "corporation", "company",
    }
)  # fmt: skip
_OPTIONAL_MARKS = re.compile("[\u0591-\u05c7\u064b-\u0653\u0656-\u065f\u0670]")


def _fold(text):
    text = _OPTIONAL_MARKS.sub("", text)
    kept = []
    base_is_plain = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if base_is_plain:
                continue
        else:
            base_is_plain = unicodedata.name(char, "").startswith(("LATIN", "GREEK"))
        kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept)).casefold()


def _words(text):
    words = []
    current = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf" or char == "\u0640":
            continue
        if category == "Nd":
            current.append(str(unicodedata.decimal(char)))
        elif char.isalnum() or category.startswith("M"):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def organisation_key_0009(name):
    words = _words(_fold(name or ""))
    if words and words[0] in _LEADING_WORDS and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words = words[:-1]
    key = " ".join(words)[:300].strip()
    return key or None


# --- frozen copy of the key before (as in 0008), for the downgrade --------------------------

_LEGAL_SUFFIXES = re.compile(
    r"\b(the|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|sarl|srl|bv|nv|co|corp|corporation|company)\b"
)


def organisation_key_0008(name):
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())[:300]


# --- the tables, as this migration sees them ----------------------------------------------

def _table(name, *columns):
    return sa.table(name, *(sa.column(column) for column in columns))


users = _table("users", "id", "organisation_name", "organisation_key")
entries = _table("stocktaking_entries", "id", "organisation", "organisation_key", NEW)
nominations = _table("nominations", "id", "entry_id", "organisation_key", NEW)


def _in_batches(select, table, write):
    """Read ``select`` (whose first column is ``table``'s id) a batch at a time, ordered by
    id, and write each batch's new values with one executemany: never all rows in memory."""
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            select.where(table.c.id > after).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        values = [write(row) for row in rows]
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")),
            [{"row_id": row[0], **value} for row, value in zip(rows, values, strict=True)],
        )
        after = rows[-1][0]


def _rekey_submitters():
    """The submitting entity of each nomination (0010's ``submitter_key``) follows its
    nominator's new key; one that would now share a category's place with another entity's
    nomination keeps its old key (the unique index would refuse it), so history never fails."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT n.id, n.edition_id, n.category_id, n.submitter_key, n.status,"
            " n.nominator_id, u.organisation_key FROM nominations n"
            " JOIN users u ON u.id = n.nominator_id"
            " WHERE n.submitter_key IS NOT NULL ORDER BY n.id"
        )
    ).all()
    holds = {"submitted", "returned", "nominated", "rejected", "shortlisted", "winner", "champion"}
    taken = {(r.edition_id, r.category_id, r.submitter_key) for r in rows if r.status in holds}
    changes = []
    for row in rows:
        new_key = row.organisation_key or f"user:{row.nominator_id}"
        place = (row.edition_id, row.category_id, new_key)
        if new_key == row.submitter_key or (row.status in holds and place in taken):
            continue
        if row.status in holds:
            taken.discard((row.edition_id, row.category_id, row.submitter_key))
            taken.add(place)
        changes.append({"row_id": row.id, "submitter_key": new_key})
    if changes:
        table = sa.table("nominations", sa.column("id"), sa.column("submitter_key"))
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")), changes
        )


def _index_names(table):
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}


def _sqlite_triggers(table):
    """The statements that made ``table``'s triggers on SQLite (the search index's), which a
    batch rebuild of the table drops; none on PostgreSQL, where ALTER keeps them."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return []
    return connection.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    ).scalars().all()


def _swap_in_new_column(table):
    """Put the filled NEW column where organisation_key was (plain ALTER TABLE statements,
    which SQLite runs without rebuilding the table)."""
    op.execute(f"ALTER TABLE {table} DROP COLUMN organisation_key")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {NEW} TO organisation_key")


def upgrade() -> None:
    # Accounts: the column is nullable already; recompute in place.
    _in_batches(
        sa.select(users.c.id, users.c.organisation_name),
        users,
        lambda row: {"organisation_key": organisation_key_0009(row.organisation_name)},
    )

    op.add_column("stocktaking_entries", sa.Column(NEW, sa.String(300), nullable=True))
    op.add_column("nominations", sa.Column(NEW, sa.String(300), nullable=True))

    def nomination_key(row):
        if row.organisation_key == row.entry_key:
            return {NEW: organisation_key_0009(row.organisation)}
        return {NEW: organisation_key_0009(row.organisation_key)}

    _in_batches(
        sa.select(
            nominations.c.id,
            nominations.c.organisation_key,
            entries.c.organisation,
            entries.c.organisation_key.label("entry_key"),
        ).join(entries, entries.c.id == nominations.c.entry_id),
        nominations,
        nomination_key,
    )
    _in_batches(
        sa.select(entries.c.id, entries.c.organisation),
        entries,
        lambda row: {NEW: organisation_key_0009(row.organisation)},
    )

    one_per_organisation = "uq_nominations_one_per_organisation" in _index_names("nominations")
    if one_per_organisation:
        op.drop_index("uq_nominations_one_per_organisation", table_name="nominations")
    op.drop_index("ix_stocktaking_entries_organisation_key", table_name="stocktaking_entries")
    _swap_in_new_column("stocktaking_entries")
    _swap_in_new_column("nominations")
    _rekey_submitters()
    op.create_index(
        "ix_stocktaking_entries_organisation_key", "stocktaking_entries", ["organisation_key"]
    )
    if one_per_organisation:
        op.create_index(
            "uq_nominations_one_per_organisation",
            "nominations",
            ["edition_id", "category_id", "organisation_key"],
            unique=True,
            sqlite_where=sa.text(HOLDS_PLACE),
            postgresql_where=sa.text(HOLDS_PLACE),
        )


def downgrade() -> None:
    """Back to the ASCII-only key, never NULL (on SQLite this rebuilds the two tables, which
    works only with foreign keys off or nothing referencing them)."""
    _in_batches(
        sa.select(users.c.id, users.c.organisation_name).where(
            users.c.organisation_name.is_not(None)
        ),
        users,
        lambda row: {"organisation_key": organisation_key_0008(row.organisation_name)},
    )
    _in_batches(
        sa.select(entries.c.id, entries.c.organisation),
        entries,
        lambda row: {"organisation_key": organisation_key_0008(row.organisation)},
    )
    _in_batches(
        sa.select(nominations.c.id, entries.c.organisation).join(
            entries, entries.c.id == nominations.c.entry_id
        ),
        nominations,
        lambda row: {"organisation_key": organisation_key_0008(row.organisation)},
    )
    for table in ("stocktaking_entries", "nominations"):
        triggers = _sqlite_triggers(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "organisation_key", existing_type=sa.String(300), nullable=False
            )
        for statement in triggers:  # a batch rebuild drops the table's triggers
            op.execute(statement)
