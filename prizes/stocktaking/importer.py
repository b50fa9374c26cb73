"""Load stocktaking entries from CSV or JSON files, matched by their external id.

Reading and checking write nothing, so that a file with one bad row can be refused whole;
``apply_rows`` then writes the good rows with one query per 500 rows, not one per row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, select

from prizes.contest.models import Category
from prizes.core import audit
from prizes.core.cache import bump_after_commit
from prizes.core.vocabulary import (
    INTERNATIONAL,
    SDG_NUMBERS,
    ActionLine,
    StakeholderType,
    is_country_code,
)
from prizes.db import db, insert_many
from prizes.stocktaking.fields import EntryFields
from prizes.stocktaking.models import (
    EntryActionLine,
    EntryCountry,
    EntrySdg,
    EntryStatus,
    StocktakingEntry,
)
from prizes.stocktaking.services import entry_values, fill_entry

FORMATS = (".csv", ".json")
MAX_LENGTHS = {"external_id": 64, "title": 300, "organisation": 300, "website": 500}
BATCH_SIZE = 500

_SEPARATORS = re.compile(r"[;,\s]+")
_SPACE = re.compile(r"\s")
# Undecodable bytes, read with "surrogateescape", become lone surrogates.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ImportFileError(Exception):
    """The file as a whole cannot be read: unknown format, broken JSON, a bad CSV header."""


@dataclass(frozen=True)
class RowError:
    where: str  # "line 4" (CSV) or "item 2" (JSON)
    field: str | None
    reason: str

    def __str__(self) -> str:
        subject = f"{self.field} " if self.field else ""
        text = f"{self.where}: {subject}{self.reason}"
        # Undecodable bytes quoted back from the file must not break printing.
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class EntryRow:
    """One checked row, ready to be written. Its fields after ``where`` are the columns."""

    where: str
    external_id: str
    title: str
    organisation: str
    stakeholder_type: StakeholderType
    country: str
    action_lines: list[ActionLine]
    description: str
    sdgs: list[int]
    website: str | None
    start_date: date | None
    end_date: date | None
    # From the country column when it names several ("KE; UG; TZ"): all but the first.
    other_countries: tuple[str, ...] = ()


# The CSV columns and JSON keys; the first seven are required.
FIELDS = tuple(f.name for f in fields(EntryRow))[1:-1]
REQUIRED = frozenset(FIELDS[:7])
_ENTRY_FIELDS = [f.name for f in fields(EntryFields)]


@dataclass
class ParsedFile:
    rows: list[EntryRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_row_count(self) -> int:
        return len({error.where for error in self.errors})


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


class _Invalid(ValueError):
    """A value that breaks its field's rule; the message completes "<field> ..."."""


def read_entries(path: Path) -> ParsedFile:
    """Read and check every row of ``path`` (.csv or .json); writes nothing.

    Raises ImportFileError when the file as a whole is unusable; bad rows are returned in
    ``errors`` so that the caller decides whether the good rows are worth importing.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ImportFileError(f"unknown format {suffix or '(no extension)'!r}; use .csv or .json")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"cannot read the file: {error.strerror}") from error
    parsed = ParsedFile()
    seen: dict[str, str] = {}
    for where, raw in _csv_rows(data) if suffix == ".csv" else _json_rows(data):
        errors, row = check_row(where, raw, seen=seen)
        parsed.errors.extend(errors)
        if row is not None:
            parsed.rows.append(row)
    return parsed


def _csv_rows(data: bytes) -> list[tuple[str, Any]]:
    """(``line N``, {column: text}) per row, N the row's first physical line; header = 1."""
    # Undecodable bytes are kept (as surrogates) so that only the rows holding them are bad.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[str, Any]] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("the file is empty; the first line must name the columns")
        columns = [name.strip().lower() for name in header]
        _check_header(columns)
        last_line = reader.line_num
        for values in reader:
            where, last_line = f"line {last_line + 1}", reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                rows.append(
                    (where, _Invalid(f"has {len(values)} values; the header has {len(columns)}"))
                )
            else:
                rows.append((where, dict(zip(columns, values, strict=True))))
    except csv.Error as error:
        raise ImportFileError(f"line {reader.line_num}: not readable as CSV: {error}") from error
    return rows


def _check_header(columns: list[str]) -> None:
    if any(_UNDECODABLE.search(name) for name in columns):
        raise ImportFileError("line 1: the header is not valid UTF-8; save the file as UTF-8")
    problems = {
        "missing": [name for name in FIELDS if name in REQUIRED and name not in columns],
        "unknown": [name for name in columns if name not in FIELDS],
        "repeated": sorted({name for name in columns if columns.count(name) > 1}),
    }
    text = "; ".join(
        f"{kind} column(s): {', '.join(names)}" for kind, names in problems.items() if names
    )
    if text:
        hint = " (is the file comma-separated?)" if len(columns) == 1 else ""
        raise ImportFileError(f"line 1: {text}{hint}")


def _json_rows(data: bytes) -> list[tuple[str, Any]]:
    """(``item N``, object) per element of the list, N counting from 1."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise ImportFileError(f"line {line}: not valid UTF-8; save the file as UTF-8") from error
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ImportFileError(f"not valid JSON: {error.msg} ({where})") from error
    except (ValueError, RecursionError) as error:  # numbers too long, nesting too deep
        raise ImportFileError(f"not usable JSON: {error}") from error
    if not isinstance(document, list):
        raise ImportFileError("the JSON document must be a list of objects, one per entry")
    return [(f"item {index}", item) for index, item in enumerate(document, start=1)]


def check_row(
    where: str, raw: Any, *, seen: dict[str, str] | None = None
) -> tuple[list[RowError], EntryRow | None]:
    """Check and convert one row; returns all its errors, or the row when there are none.

    ``seen`` maps the external ids of earlier rows to their places, to refuse repeats.
    """
    if isinstance(raw, _Invalid):  # the reader found the row unusable as a whole
        return [RowError(where, None, str(raw))], None
    if not isinstance(raw, dict):
        return [RowError(where, None, "is not an object")], None
    unknown = sorted(key for key in raw if key not in FIELDS)
    if unknown:
        return [RowError(where, None, f"has unknown key(s): {', '.join(unknown)}")], None
    values: dict[str, Any] = {}
    errors = []
    for name in FIELDS:
        try:
            values[name] = _convert(name, raw.get(name))
        except _Invalid as invalid:
            errors.append(RowError(where, name, str(invalid)))
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors.append(RowError(where, "end_date", f"{end} is before start_date {start}"))
    external_id = values.get("external_id")
    if seen is not None and external_id in seen:
        errors.append(
            RowError(where, "external_id", f"{external_id!r} repeats {seen[external_id]}")
        )
    elif seen is not None and external_id:
        seen[external_id] = where
    if errors:
        return errors, None
    countries = values["country"]
    values["country"], others = countries[0], tuple(countries[1:])
    return [], EntryRow(where=where, other_countries=others, **values)


def _convert(name: str, value: Any) -> Any:
    if name in ("action_lines", "sdgs"):
        codes = _line_codes(value) if name == "action_lines" else _codes(value)
        if not codes and name in REQUIRED:
            raise _Invalid("is required: at least one code, such as C4")
        return _action_lines(codes) if name == "action_lines" else _sdgs(codes)
    if name == "external_id" and type(value) is int:
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise _Invalid(f"must be text, not {type(value).__name__}")
    text = (value or "").strip()
    if _UNDECODABLE.search(text):
        raise _Invalid("is not valid UTF-8; save the file as UTF-8")
    if _CONTROL.search(text):
        raise _Invalid("contains control characters")
    if len(text) > MAX_LENGTHS.get(name, len(text)):
        raise _Invalid(f"has {len(text)} characters; at most {MAX_LENGTHS[name]} are allowed")
    if not text and name in REQUIRED:
        raise _Invalid("is required")
    return _parse(name, text) if text else None


def _codes(value: Any) -> list[str]:
    """Codes from "C4;C7", "C4, C7", "C4 C7" or a JSON list such as ["C4", "C7"] or [4, 7]."""
    if isinstance(value, str):
        if _UNDECODABLE.search(value):
            raise _Invalid("is not valid UTF-8; save the file as UTF-8")
        value = _SEPARATORS.split(value)
    elif value is None:
        return []
    elif not isinstance(value, list):
        raise _Invalid(f"must be a list or text, not {type(value).__name__}")
    for item in value:
        if type(item) is not int and not isinstance(item, str):
            raise _Invalid(f"holds {item!r}, which is not a code")
    return [str(item).strip() for item in value if str(item).strip()]


def _line_codes(value: Any) -> list[str]:
    """Like :func:`_codes`, but a category's name ("Capacity building") stays whole: the
    text is cut at ";" and "," first, and only a part that names no category at spaces."""
    if not isinstance(value, str) or _UNDECODABLE.search(value):
        return _codes(value)
    names = _category_lines()
    codes: list[str] = []
    for part in re.split(r"[;,]", value):
        part = part.strip()
        if _name_key(part) in names:
            codes.append(part)
        elif part:
            codes.extend(_codes(part))
    return codes


def _name_key(text: str) -> str:
    return " ".join(text.lower().split())


def _category_lines() -> dict[str, ActionLine]:
    """Each category's number and name (lower case) to its action line, read once per
    session: an entry's action lines may be given by its category as well."""
    cached = db.session.info.get("prizes.category_lines")
    if cached is None:
        cached = {}
        for number, category_name, line in db.session.execute(
            select(Category.number, Category.official_name, Category.action_line)
        ):
            cached[str(number)] = cached[_name_key(category_name)] = ActionLine(line)
        db.session.info["prizes.category_lines"] = cached
    return cached


def _action_lines(codes: list[str]) -> list[ActionLine]:
    """Codes C1 to C11, or a category's number (1 to 18) or name for its action line."""
    categories = _category_lines()
    lines, unknown = [], []
    for code in codes:
        if code.upper() in ActionLine.__members__:
            lines.append(ActionLine(code.upper()))
        elif _name_key(code.lstrip("0") or code) in categories:
            lines.append(categories[_name_key(code.lstrip("0") or code)])
        else:
            unknown.append(code)
    if unknown:
        raise _Invalid(
            f"holds unknown code(s) {', '.join(unknown)}; use C1 to C11, or a category's"
            " number (1 to 18) or name"
        )
    return list(dict.fromkeys(lines))


def _sdgs(codes: list[str]) -> list[int]:
    numbers = {str(number): number for number in SDG_NUMBERS}
    unknown = [code for code in codes if code.lstrip("0") not in numbers]
    if unknown:
        raise _Invalid(f"holds unknown SDG(s) {', '.join(unknown)}; use 1 to 17")
    return list(dict.fromkeys(numbers[code.lstrip("0")] for code in codes))


_INTERNATIONAL_WORDS = {INTERNATIONAL, "INT", "INTERNATIONAL", "GLOBAL", "WORLDWIDE"}


def _countries(text: str) -> list[str]:
    """One country (KE), several (KE; UG; TZ: the first is the entry's country), or an
    international organisation's entry (INTERNATIONAL, INT, GLOBAL or XX: country XX)."""
    codes = [code.upper() for code in _SEPARATORS.split(text) if code]
    if len(codes) == 1 and codes[0] in _INTERNATIONAL_WORDS:
        return [INTERNATIONAL]
    unknown = [code for code in codes if not is_country_code(code)]
    if unknown or not codes:
        raise _Invalid(
            f"{text!r} is not an ISO 3166-1 alpha-2 code such as KE, a list such as"
            " KE; UG, or INTERNATIONAL"
        )
    return list(dict.fromkeys(codes))


def _parse(name: str, text: str) -> Any:
    """The typed value of a filled-in text field."""
    match name:
        case "stakeholder_type":
            kind = re.sub(r"[\s-]+", "_", text.lower())
            allowed = [member.value for member in StakeholderType]
            if kind not in allowed:
                raise _Invalid(f"{text!r} is not one of {', '.join(allowed)}")
            return StakeholderType(kind)
        case "country":
            return _countries(text)
        case "website":
            parts = urlsplit(text)
            if (
                parts.scheme.lower() not in ("http", "https")
                or not parts.netloc
                or _SPACE.search(text)
            ):
                raise _Invalid(f"{text!r} is not an http:// or https:// address")
        case "start_date" | "end_date":
            try:
                return date.fromisoformat(text if _ISO_DATE.fullmatch(text) else "")
            except ValueError:
                raise _Invalid(f"{text!r} is not a date in the form YYYY-MM-DD") from None
    return text


def apply_rows(
    rows: Sequence[EntryRow],
    *,
    source: str,
    now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create or update one entry per row, matched by external id; flushes, never commits.

    Side effects: new entries are published and have no owner; existing ones keep their
    owner and status while their fields, action lines and SDGs are replaced. Flushes every
    BATCH_SIZE rows (then calls ``on_progress`` with the batch's size); adds one audit event.
    """
    session = db.session
    bump_after_commit(session, "catalogue")  # the cached pages of entries (the API's too)
    created = updated = 0
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        wanted = StocktakingEntry.external_id.in_([row.external_id for row in batch])
        existing = {
            entry.external_id: entry
            for entry in session.scalars(select(StocktakingEntry).where(wanted))
        }
        fresh = [row for row in batch if row.external_id not in existing]
        for row in batch:
            entry = existing.get(row.external_id)
            if entry is not None:
                updated += 1
                _fill(entry, row, now)
        session.flush()
        _insert_new(fresh, now)
        created += len(fresh)
        if on_progress is not None:
            on_progress(len(batch))
    result = ImportResult(created=created, updated=updated)
    bump_after_commit(session, "catalogue", "search")  # ballots and searches show them
    audit.record(
        session, "stocktaking.entries_imported", actor=None, source=source, **asdict(result)
    )
    session.flush()
    return result


def _insert_new(rows: Sequence[EntryRow], now: datetime) -> None:
    """New entries, their action lines, SDGs and other countries in bulk INSERTs (one object and
    its change tracking per entry and per link made a large import take half a minute)."""
    if not rows:
        return
    values = [
        entry_values(EntryFields(**{name: getattr(row, name) for name in _ENTRY_FIELDS}), now=now)
        | {"external_id": row.external_id, "status": EntryStatus.PUBLISHED, "created_at": now}
        for row in rows
    ]
    # No RETURNING in parameter order: SQLAlchemy sends that a few rows a statement. The
    # rows go in by insert_many, then their ids are read back by external id.
    insert_many(db.session, cast(Table, StocktakingEntry.__table__), values)
    wanted = StocktakingEntry.external_id.in_([row.external_id for row in rows])
    found = db.session.execute(
        select(StocktakingEntry.external_id, StocktakingEntry.id).where(wanted)
    )
    new_ids = {external_id: entry_id for external_id, entry_id in found}
    ids = [new_ids[row.external_id] for row in rows]
    lines = [
        {"entry_id": entry_id, "action_line": line}
        for entry_id, row in zip(ids, rows, strict=True)
        for line in sorted(set(row.action_lines))
    ]
    sdgs = [
        {"entry_id": entry_id, "sdg": sdg}
        for entry_id, row in zip(ids, rows, strict=True)
        for sdg in sorted(set(row.sdgs))
    ]
    countries = [
        {"entry_id": entry_id, "country": code}
        for entry_id, row in zip(ids, rows, strict=True)
        for code in sorted({code.upper() for code in row.other_countries} - {row.country})
    ]
    for model, links in ((EntryActionLine, lines), (EntrySdg, sdgs), (EntryCountry, countries)):
        insert_many(db.session, cast(Table, model.__table__), links)


def _fill(entry: StocktakingEntry, row: EntryRow, now: datetime) -> None:
    values = {name: getattr(row, name) for name in _ENTRY_FIELDS}
    fill_entry(entry, EntryFields(**values), now=now)
