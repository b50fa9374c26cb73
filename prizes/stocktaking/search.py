"""Full-text search over stocktaking entries, one interface over two engines.

SQLite uses an FTS5 table (``entry_search``), PostgreSQL a weighted ``tsvector`` column
(``search_document``); both are made by migration 0002 and kept current by the database
itself. Callers get a filter and a rank expression and never see which engine answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, column, func, literal_column, table, text
from sqlalchemy.sql.elements import ColumnElement

from prizes.db import db
from prizes.stocktaking.models import StocktakingEntry

# Schema objects the migrations make outside the models; schema comparisons skip them.
_SEARCH_OBJECTS = {"search_document", "ix_stocktaking_entries_search_document"}

_entry_search = table("entry_search", column("rowid"), column("title"))
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def is_search_object(name: str | None) -> bool:
    return name is not None and (name in _SEARCH_OBJECTS or name.startswith("entry_search"))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic hook: leave the search index out of autogenerate and schema comparisons."""
    return not is_search_object(name)


def terms(text: str) -> list[str]:
    """The words of a user's query, lower-cased; operators and punctuation are dropped,
    so no input can break the engine's query syntax."""
    return [word.lower() for word in _WORD.findall(text)][:MAX_TERMS]


@dataclass(frozen=True)
class TextMatch:
    """How to restrict a query to entries matching the words, and how to rank them."""

    words: list[str]

    def apply(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        """Add the match to ``query`` (which selects from stocktaking_entries); returns the
        query and an expression to order by, best match first."""
        if db.session.get_bind().dialect.name == "postgresql":
            return self._postgres(query)
        return self._sqlite(query)

    def _sqlite(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        # Each word as a quoted prefix term: "rural"* "broad"* (all must match).
        expression = " ".join(f'"{word}"*' for word in self.words)
        query = query.join(_entry_search, _entry_search.c.rowid == StocktakingEntry.id).where(
            literal_column("entry_search").op("MATCH")(expression)
        )
        # bm25 is lower for better matches; the weights favour the title, then organisation.
        rank = func.bm25(literal_column("entry_search"), 10.0, 4.0, 1.0)
        return query, rank

    def _postgres(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        expression = " & ".join(f"{word}:*" for word in self.words)
        tsquery = func.to_tsquery(literal_column("'english'"), expression)
        document: ColumnElement[Any] = literal_column("stocktaking_entries.search_document")
        query = query.where(document.op("@@")(tsquery))
        return query, -func.ts_rank_cd(document, tsquery)


def refresh_index() -> None:
    """Tidy the search index after a bulk import (the caller commits).

    PostgreSQL keeps fresh GIN entries in a pending list that every search scans until
    (auto)vacuum merges it; merging now and refreshing the planner's statistics keeps the
    first searches after a large import on the index. SQLite merges its FTS5 segments.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT gin_clean_pending_list('ix_stocktaking_entries_search_document'::regclass)"
            )
        )
        db.session.execute(text("ANALYZE stocktaking_entries"))
    else:
        db.session.execute(text("INSERT INTO entry_search(entry_search) VALUES ('optimize')"))
