"""Fill a database at any revision with data in every table, and take its fingerprint.

Nothing here knows the contest's tables: the schema is reflected at the revision the
database is at, so a table or a column that a new migration adds is filled and checked the
day it is merged. Values follow the reflected rules: foreign keys take rows of the parent
(a composite key a whole parent row), a one-column CHECK listing quoted values is an enum,
one with numbers is a range, every nullable column is filled too (so CHECKs of the form
``x IS NULL OR y IS NOT NULL`` hold), and values grow with the column's position (so
``opens_at < closes_at`` holds when the columns are declared in that order, as they are).
A table that cannot be filled this way gets an entry in ``HINTS``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    inspect,
    select,
)
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
ROWS = 3
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# "table.column" -> value for row i, for the rare column the generic rules cannot satisfy.
HINTS: dict[str, Callable[[int], Any]] = {
    # 0012 checks the kind against the checks that exist; older revisions stored free text.
    "suspicion_flags.kind": lambda i: (
        "network_burst",
        "bulk_logins",
        "fresh_single_project",
        "machine_cadence",
    )[i % 4],
}


def script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def revisions() -> list[str]:
    """Every revision, oldest first (the history is one line once the integrator chains it)."""
    return [r.revision for r in reversed(list(script().walk_revisions()))]


def _skipped_tables(conn: Connection) -> set[str]:
    """alembic_version, and SQLite's full-text index (a virtual table and its shadow tables):
    derived data that the triggers keep in step."""
    skipped = {"alembic_version"}
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        ).all()
        every = {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master").all()}
        for (virtual,) in rows:
            skipped |= {n for n in every if n == virtual or n.startswith(f"{virtual}_")}
    return skipped


def reflect(conn: Connection) -> MetaData:
    skipped = _skipped_tables(conn)
    metadata = MetaData()
    metadata.reflect(bind=conn, only=lambda name, _m: name not in skipped)
    return metadata


# --- filling -------------------------------------------------------------------------------


def _checks(conn: Connection, table: Table) -> list[str]:
    return [c["sqltext"] for c in inspect(conn).get_check_constraints(table.name)]


def _mentions(text: str, column: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(column)}(?!\w)", text) is not None


def _column_rules(conn: Connection, table: Table) -> dict[str, dict[str, Any]]:
    """Per column: allowed values (an enum's CHECK) or bounds (a range's CHECK)."""
    rules: dict[str, dict[str, Any]] = {c.name: {} for c in table.columns}
    for text in _checks(conn, table):
        named = [c for c in table.columns if _mentions(text, c.name)]
        if len(named) != 1:
            continue
        rule = rules[named[0].name]
        literals = re.findall(r"'([^']*)'", text)
        if literals and not re.search(r"\bNOT\b", text, re.IGNORECASE):
            rule["values"] = sorted(set(literals) - {""}, key=literals.index)
            continue
        name = re.escape(named[0].name)
        between = re.search(rf"{name}\)?\s+BETWEEN\s+(-?\d+)\s+AND\s+(-?\d+)", text, re.I)
        if between:
            rule["lo"], rule["hi"] = int(between.group(1)), int(between.group(2))
        for op, number in re.findall(rf"{name}\)?\s*(>=|<=|>|<)\s*\(?(-?\d+)", text):
            n = int(number)
            if op == ">=":
                rule["lo"] = n
            elif op == ">":
                rule["lo"] = n + 1
            elif op == "<=":
                rule["hi"] = n
            else:
                rule["hi"] = n - 1
    return rules


def _value(conn: Connection, table: Table, column: Any, position: int, i: int, rule: dict) -> Any:
    hint = HINTS.get(f"{table.name}.{column.name}")
    if hint is not None:
        return hint(i)
    if "values" in rule:
        return rule["values"][i % len(rule["values"])]
    kind = column.type
    if isinstance(kind, Boolean):
        return (i + position) % 2 == 0
    if isinstance(kind, Integer | Numeric) and not isinstance(kind, Float):
        if "lo" in rule or "hi" in rule:
            lo = rule.get("lo", 0)
            hi = rule.get("hi", lo + 1000)
            return lo + (i * 5 + position) % (hi - lo + 1)
        return 10 * i + position + 1
    if isinstance(kind, Float):
        return 0.5 + i + position
    if isinstance(kind, DateTime):
        moment = BASE_TIME + timedelta(days=position, minutes=i)
        return moment.replace(tzinfo=None) if conn.dialect.name == "sqlite" else moment
    if isinstance(kind, Date):
        return date(2026, 1, 1) + timedelta(days=position + i)
    if isinstance(kind, JSON):
        return {"row": i, "column": column.name}
    if isinstance(kind, LargeBinary):
        return f"{i}:{column.name}".encode()
    text = f"{i}-{table.name}.{column.name}"
    length = getattr(kind, "length", None) if isinstance(kind, String) else None
    return text[:length] if length else text


def _is_generated_key(table: Table, column: Any) -> bool:
    keys = list(table.primary_key.columns)
    return (
        len(keys) == 1
        and keys[0] is column
        and isinstance(column.type, Integer)
        and not column.foreign_keys
    )


def fill(conn: Connection, rows: int = ROWS) -> MetaData:
    """Insert ``rows`` rows into every empty table, parents first; returns the reflection."""
    metadata = reflect(conn)
    for table in metadata.sorted_tables:
        if conn.execute(select(table).limit(1)).first() is not None:
            continue  # seeded by its migration (the categories)
        rules = _column_rules(conn, table)
        foreign_keys = sorted(
            table.foreign_key_constraints, key=lambda fk: len(fk.columns), reverse=True
        )
        parents = {
            fk: conn.execute(
                select(*[element.column for element in fk.elements]).order_by(
                    *[element.column for element in fk.elements]
                )
            ).all()
            for fk in foreign_keys
        }
        batch = []
        for i in range(rows):
            row: dict[str, Any] = {}
            for fk in foreign_keys:
                names = [element.parent.name for element in fk.elements]
                if fk.referred_table is table and all(c.nullable for c in fk.columns):
                    row.update(dict.fromkeys(names))  # a row pointing at its own table: none
                    continue
                candidates = [
                    p
                    for p in parents[fk]
                    if all(row.get(n, p[k]) == p[k] for k, n in enumerate(names))
                ]
                assert candidates, f"{table.name}: no parent row fits {fk.name}"
                chosen = candidates[i % len(candidates)]
                row.update(zip(names, chosen, strict=True))
            for position, column in enumerate(table.columns):
                if column.name in row or column.computed is not None:
                    continue
                if _is_generated_key(table, column):
                    continue
                row[column.name] = _value(conn, table, column, position, i, rules[column.name])
            batch.append(row)
        conn.execute(table.insert(), batch)
    return metadata


# --- fingerprints --------------------------------------------------------------------------


def fingerprint(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per table its row count and, per column, a checksum of (primary key, raw value) over
    every row, as the driver returns them (so a value rewritten in another form shows)."""
    metadata = reflect(conn)
    prints: dict[str, dict[str, Any]] = {}
    quote = conn.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        names = [c.name for c in table.columns]
        keys = [c.name for c in table.primary_key.columns] or names
        result = conn.exec_driver_sql(f"SELECT * FROM {quote(table.name)}")  # noqa: S608
        columns = list(result.keys())
        records = [dict(zip(columns, r, strict=True)) for r in result.all()]
        records.sort(key=lambda r: repr([r[k] for k in keys]))
        sums = {}
        for name in names:
            digest = hashlib.sha256()
            for record in records:
                digest.update(repr(([record[k] for k in keys], record[name])).encode())
            sums[name] = digest.hexdigest()
        prints[table.name] = {"rows": len(records), "columns": sums}
    return prints


def changes(before: dict, after: dict) -> set[str]:
    """What of ``before`` is not the same in ``after``: "table" for a table gone or with
    another row count, "table.column" for a column gone or whose values differ."""
    found: set[str] = set()
    for name, table in before.items():
        later = after.get(name)
        if later is None or later["rows"] != table["rows"]:
            found.add(name)
        for column, digest in table["columns"].items():
            if later is None or later["columns"].get(column) != digest:
                found.add(f"{name}.{column}")
    return found


def covered(change: str, declared: set[str]) -> bool:
    """Whether a change is declared: by itself, or by its table's being declared."""
    return change in declared or change.split(".")[0] in declared or "*" in declared
