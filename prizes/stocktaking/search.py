"""Full-text search over stocktaking entries, one interface over two engines.

SQLite uses an FTS5 table (``entry_search``), PostgreSQL a weighted ``tsvector`` column
(``search_document``); both are made by migration 0002 and kept current by the database
itself. Callers get a filter and a rank expression and never see which engine answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, column, func, literal_column, or_, table, text
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

from prizes.db import db
from prizes.stocktaking.models import StocktakingEntry

# Schema objects the migrations make outside the models; schema comparisons skip them.
_SEARCH_OBJECTS = {
    "search_document",
    "ix_stocktaking_entries_search_document",
    "ix_stocktaking_entries_search_text",
}

_entry_search = table("entry_search", column("rowid"), column("title"))
_entry_trigrams = table("entry_search_trigram", column("rowid"))
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
# Arabic vowel marks and the tatweel: optional in writing, dropped from queries.
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")
# Scripts whose words a space-splitting index cannot find: Chinese, Japanese, Korean, Thai,
# Lao, Khmer and Myanmar are written without spaces between words, and Arabic attaches
# articles and prepositions to the word (الزراعة, بالزراعة). Their terms match as substrings.
_SUBSTRING_SCRIPTS = re.compile(
    "[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
# What PostgreSQL's trigram index (migration 0014) is built on, written exactly as there.
_ENTRY_TEXT: ColumnClause[str] = literal_column(
    "(coalesce(stocktaking_entries.title, '') || ' ' || "
    "coalesce(stocktaking_entries.organisation, '') || ' ' || "
    "coalesce(stocktaking_entries.description, ''))"
)


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
    return [word.lower() for word in _WORD.findall(_ARABIC_MARKS.sub("", text))][:MAX_TERMS]


def is_substring_term(word: str) -> bool:
    return _SUBSTRING_SCRIPTS.search(word) is not None


@dataclass(frozen=True)
class TextMatch:
    """How to restrict a query to entries matching the words, and how to rank them."""

    words: list[str]

    @property
    def word_terms(self) -> list[str]:
        return [word for word in self.words if not is_substring_term(word)]

    @property
    def substring_terms(self) -> list[str]:
        return [word for word in self.words if is_substring_term(word)]

    def apply(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        """Add the match to ``query`` (which selects from stocktaking_entries); returns the
        query and an expression to order by, best match first."""
        if db.session.get_bind().dialect.name == "postgresql":
            return self._postgres(query)
        return self._sqlite(query)

    def _title_first(self) -> ColumnElement[Any]:
        """The rank of a match by substrings alone: entries with the term in their title
        first."""
        if not self.substring_terms:
            return StocktakingEntry.id.expression  # the column an ORDER BY of the attribute uses
        return case((_title_contains(self.substring_terms[0]), 0), else_=1)

    def _sqlite(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        rank = self._title_first()
        if self.word_terms:
            # Each word as a quoted prefix term: "rural"* "broad"* (all must match).
            expression = " ".join(f'"{word}"*' for word in self.word_terms)
            query = query.join(_entry_search, _entry_search.c.rowid == StocktakingEntry.id).where(
                literal_column("entry_search").op("MATCH")(expression)
            )
            # bm25 is lower for better matches; the weights favour the title, then organisation.
            rank = func.bm25(literal_column("entry_search"), 10.0, 4.0, 1.0)
        long_terms = [word for word in self.substring_terms if len(word) >= 3]
        if long_terms:
            # The trigram index finds a substring of three characters or more.
            expression = " ".join(f'"{word}"' for word in long_terms)
            query = query.join(
                _entry_trigrams, _entry_trigrams.c.rowid == StocktakingEntry.id
            ).where(literal_column("entry_search_trigram").op("MATCH")(expression))
            if not self.word_terms:
                rank = func.bm25(literal_column("entry_search_trigram"), 10.0, 4.0, 1.0)
        for word in self.substring_terms:
            if len(word) < 3:  # too short for trigrams (宽带, 电子): compared row by row
                query = query.where(_contains(word))
        return query, rank

    def _postgres(self, query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any]]:
        rank = self._title_first()
        if self.word_terms:
            expression = " & ".join(f"{word}:*" for word in self.word_terms)
            tsquery = func.to_tsquery(literal_column("'english'"), expression)
            document: ColumnElement[Any] = literal_column("stocktaking_entries.search_document")
            query = query.where(document.op("@@")(tsquery))
            rank = -func.ts_rank_cd(document, tsquery)
        for word in self.substring_terms:
            query = query.where(_ENTRY_TEXT.ilike(_pattern(word), escape="\\"))
        return query, rank


def _contains(word: str) -> ColumnElement[bool]:
    """The entry's title, organisation or description holds ``word`` (no wildcard in it:
    terms are letters, digits and ``_``, the last escaped)."""
    pattern = _pattern(word)
    return or_(
        StocktakingEntry.title.like(pattern, escape="\\"),
        StocktakingEntry.organisation.like(pattern, escape="\\"),
        StocktakingEntry.description.like(pattern, escape="\\"),
    )


def _title_contains(word: str) -> ColumnElement[bool]:
    return StocktakingEntry.title.like(_pattern(word), escape="\\")


def _pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def prefer_index_scans() -> None:
    """For the rest of this transaction, tell PostgreSQL that random reads cost little, as
    on the SSDs it runs on (``random_page_cost`` 1.1, the usual setting there; the default 4
    is for spinning disks). With the default it reads all 10,000 entries' documents (50 ms)
    rather than the GIN index's few thousand matches (9 ms)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL random_page_cost = 1.1"))


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
        db.session.execute(
            text("INSERT INTO entry_search_trigram(entry_search_trigram) VALUES ('optimize')")
        )
