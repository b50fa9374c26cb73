"""The six UN languages: each user's language, and a search index that finds any script.

``users.language`` keeps the reader's choice of language (or the language they registered
in), so that pages and mails follow it.

The word index of 0002 splits text at spaces, which Chinese and Japanese do not write, and
misses Arabic words that carry a prefix (الزراعة for زراعة). Terms in those scripts are
matched as substrings instead: on SQLite through a second FTS5 table with the trigram
tokenizer (kept in step by triggers, like the first), on PostgreSQL through a pg_trgm GIN
index on the entry's text (``pg_trgm`` is a trusted extension: the database's owner may
create it).

Downgrade drops data: ``users.language`` (each reader's choice of language; pages then
follow the browser's). The substring index, the table ``entry_search_trigram`` on SQLite
(derived: rebuilt from the entries), goes too.

Revision ID: 0014
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md).
downgrade_drops = {"users.language": "data", "entry_search_trigram": "derived"}

COLUMNS = "title, organisation, description"
# The expression the search compares with ILIKE; it must stay written exactly so.
TEXT = (
    "(coalesce(title, '') || ' ' || coalesce(organisation, '') || ' ' "
    "|| coalesce(description, ''))"
)
TRIGGERS = ("entry_search_trigram_insert", "entry_search_trigram_delete", "entry_search_trigram_update")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # The extension is made once per database, in the schema first migrated; name its
        # operator class with that schema, so a schema migrated later finds it too.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema = op.get_bind().scalar(
            sa.text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        )
        op.execute(
            "CREATE INDEX ix_stocktaking_entries_search_text ON stocktaking_entries "
            f'USING gin ({TEXT} "{schema}".gin_trgm_ops)'
        )
        return
    op.execute(
        f"CREATE VIRTUAL TABLE entry_search_trigram USING fts5({COLUMNS}, "
        "content='stocktaking_entries', content_rowid='id', tokenize='trigram')"
    )
    new_row = "new.id, new.title, new.organisation, new.description"
    old_row = "old.id, old.title, old.organisation, old.description"
    op.execute(
        "CREATE TRIGGER entry_search_trigram_insert AFTER INSERT ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search_trigram(rowid, {COLUMNS}) VALUES ({new_row}); END"
    )
    op.execute(
        "CREATE TRIGGER entry_search_trigram_delete AFTER DELETE ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search_trigram(entry_search_trigram, rowid, {COLUMNS}) "
        f"VALUES ('delete', {old_row}); END"
    )
    op.execute(
        "CREATE TRIGGER entry_search_trigram_update AFTER UPDATE OF title, organisation, "
        "description ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search_trigram(entry_search_trigram, rowid, {COLUMNS}) "
        f"VALUES ('delete', {old_row}); "
        f"INSERT INTO entry_search_trigram(rowid, {COLUMNS}) VALUES ({new_row}); END"
    )
    op.execute("INSERT INTO entry_search_trigram(entry_search_trigram) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_stocktaking_entries_search_text")
    else:
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS entry_search_trigram")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
