"""An edition's data as tables (entries, nominations, votes, scores, results), written as
CSV or as one XLSX workbook with a sheet per table.

The rows stream from the database (see ``queries._stream``) and openpyxl writes in its
write-only mode, so a large edition is written with the memory of a few thousand rows. No
e-mail address and no keyed hash leaves through these tables: experts and voters are
their account ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import select

from prizes.contest.models import Category, Edition
from prizes.core.exports import spreadsheet_safe, write_csv
from prizes.db import db
from prizes.exports.queries import (
    NOMINATION_HEADER,
    VOTE_HEADER,
    _stream,
    _utc,
    nomination_rows,
    vote_rows,
)
from prizes.nominations.models import Nomination
from prizes.review.models import Decision, RubricCriterion, Score
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting.models import VotingRound

TABLES = ("entries", "nominations", "votes", "scores", "results")

ENTRY_HEADER = (
    "entry_id",
    "external_id",
    "title",
    "organisation",
    "stakeholder_type",
    "countries",
    "action_lines",
    "sdgs",
    "website",
    "start_date",
    "end_date",
    "description",
)
SCORE_HEADER = (
    "score_id",
    "nomination_id",
    "category",
    "expert_account",
    "stage",
    "criterion",
    "value",
    "status",
    "submitted_at_utc",
)
RESULT_HEADER = (
    "category",
    "outcome",
    "nomination_id",
    "project",
    "organisation",
    "decided_at_utc",
)


def _entry_rows(edition: Edition) -> Iterator[tuple[Any, ...]]:
    """The entries nominated in the edition, whatever the nomination's status."""
    nominated = select(Nomination.entry_id).where(Nomination.edition_id == edition.id)
    query = (
        select(StocktakingEntry)
        .where(StocktakingEntry.id.in_(nominated))
        .order_by(StocktakingEntry.id)
    )
    for (entry,) in _stream(query):
        yield (
            entry.id,
            entry.external_id or "",
            entry.title,
            entry.organisation,
            entry.stakeholder_type.value,
            ";".join(entry.country_codes),
            ";".join(line.value for line in entry.action_line_codes),
            ";".join(str(n) for n in entry.sdg_numbers),
            entry.website or "",
            entry.start_date.isoformat() if entry.start_date else "",
            entry.end_date.isoformat() if entry.end_date else "",
            entry.description,
        )


def _vote_rows(edition: Edition) -> Iterator[tuple[Any, ...]]:
    rounds = select(VotingRound.id).where(VotingRound.edition_id == edition.id)
    for round_id in db.session.scalars(rounds.order_by(VotingRound.number)):
        for row in vote_rows(round_id):
            yield (round_id, *row)


def _score_rows(edition: Edition) -> Iterator[tuple[Any, ...]]:
    query = (
        select(
            Score.id,
            Score.nomination_id,
            Category.number,
            Score.expert_id,
            Score.stage,
            RubricCriterion.name,
            Score.value,
            Score.status,
            Score.submitted_at,
        )
        .join(Nomination, Nomination.id == Score.nomination_id)
        .join(Category, Category.id == Nomination.category_id)
        .join(RubricCriterion, RubricCriterion.id == Score.criterion_id)
        .where(Nomination.edition_id == edition.id)
        .order_by(Score.id)
    )
    for sid, nid, number, expert, stage, criterion, value, status, submitted in _stream(query):
        yield sid, nid, number, expert, stage.value, criterion, value, status.value, _utc(submitted)


def _result_rows(edition: Edition) -> Iterator[tuple[Any, ...]]:
    query = (
        select(
            Category.number,
            Decision.outcome,
            Decision.nomination_id,
            StocktakingEntry.title,
            StocktakingEntry.organisation,
            Decision.decided_at,
        )
        .join(Category, Category.id == Decision.category_id)
        .join(Nomination, Nomination.id == Decision.nomination_id)
        .join(StocktakingEntry, StocktakingEntry.id == Nomination.entry_id)
        .where(Decision.edition_id == edition.id)
        .order_by(Category.number, Decision.outcome.desc(), Decision.nomination_id)
    )
    for number, outcome, nid, title, organisation, decided in _stream(query):
        yield number, outcome.value, nid, title, organisation, _utc(decided)


_TABLES: dict[str, tuple[tuple[str, ...], Callable[[Edition], Iterator[tuple[Any, ...]]]]] = {
    "entries": (ENTRY_HEADER, _entry_rows),
    "nominations": (NOMINATION_HEADER, lambda edition: nomination_rows(edition.id)),
    "votes": (("round_id", *VOTE_HEADER), _vote_rows),
    "scores": (SCORE_HEADER, _score_rows),
    "results": (RESULT_HEADER, _result_rows),
}


def table(edition: Edition, name: str) -> tuple[tuple[str, ...], Iterator[tuple[Any, ...]]]:
    """The header and the streamed rows of one of :data:`TABLES`."""
    header, rows = _TABLES[name]
    return header, rows(edition)


def write_table_csv(handle: IO[str], edition: Edition, name: str) -> int:
    header, rows = table(edition, name)
    return write_csv(handle, header, rows)


def write_xlsx(target: IO[bytes] | str, edition: Edition, names: tuple[str, ...] = TABLES) -> int:
    """One workbook, a sheet per table, values spreadsheet-safe; returns the rows written."""
    book = Workbook(write_only=True)
    count = 0
    for name in names:
        sheet = book.create_sheet(title=name)
        header, rows = table(edition, name)
        sheet.append(list(header))
        for row in rows:
            sheet.append([spreadsheet_safe(value) for value in row])
            count += 1
    book.save(target)
    return count
