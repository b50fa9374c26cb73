"""Full-text search over stocktaking entries: FTS5 on SQLite, a tsvector on PostgreSQL.

Both index the title (weighted most), the organisation and the description. On SQLite an
external-content FTS5 table is kept in step by triggers; a later migration that rebuilds
``stocktaking_entries`` in batch mode must recreate those triggers. On PostgreSQL a stored
generated column with a GIN index does the same job with no trigger.

Downgrade drops only the index, derived data that the upgrade rebuilds from the entries:
``entry_search`` (SQLite) or ``stocktaking_entries.search_document`` (PostgreSQL).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md): the search index, rebuilt by upgrade().
downgrade_drops = {"entry_search": "derived", "stocktaking_entries.search_document": "derived"}

COLUMNS = "title, organisation, description"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            ALTER TABLE stocktaking_entries ADD COLUMN search_document tsvector
            GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(title, '')), 'A')
                || setweight(to_tsvector('english', coalesce(organisation, '')), 'B')
                || setweight(to_tsvector('english', coalesce(description, '')), 'C')
            ) STORED
            """
        )
        op.execute(
            "CREATE INDEX ix_stocktaking_entries_search_document "
            "ON stocktaking_entries USING gin (search_document)"
        )
        return
    op.execute(
        f"CREATE VIRTUAL TABLE entry_search USING fts5({COLUMNS}, "
        "content='stocktaking_entries', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    new_row = "new.id, new.title, new.organisation, new.description"
    old_row = "old.id, old.title, old.organisation, old.description"
    op.execute(
        "CREATE TRIGGER entry_search_insert AFTER INSERT ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search(rowid, {COLUMNS}) VALUES ({new_row}); END"
    )
    op.execute(
        "CREATE TRIGGER entry_search_delete AFTER DELETE ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search(entry_search, rowid, {COLUMNS}) VALUES ('delete', {old_row}); END"
    )
    op.execute(
        "CREATE TRIGGER entry_search_update AFTER UPDATE OF title, organisation, description "
        "ON stocktaking_entries BEGIN "
        f"INSERT INTO entry_search(entry_search, rowid, {COLUMNS}) VALUES ('delete', {old_row}); "
        f"INSERT INTO entry_search(rowid, {COLUMNS}) VALUES ({new_row}); END"
    )
    op.execute("INSERT INTO entry_search(entry_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_stocktaking_entries_search_document")
        op.execute("ALTER TABLE stocktaking_entries DROP COLUMN IF EXISTS search_document")
        return
    for trigger in ("entry_search_insert", "entry_search_delete", "entry_search_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS entry_search")
