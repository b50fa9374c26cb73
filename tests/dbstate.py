"""What the database holds, as a value to compare: row counts and a digest of every table.

The security tests take one before a request and one after, to show that a GET, or a
refused POST, left every row as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from prizes.db import Base


@dataclass(frozen=True)
class DatabaseState:
    counts: dict[str, int]
    digests: dict[str, str]

    def changed_tables(self, other: DatabaseState) -> list[str]:
        """The tables whose rows differ between the two states."""
        return sorted(
            name
            for name in self.digests.keys() | other.digests.keys()
            if self.digests.get(name) != other.digests.get(name)
        )


def database_state(session: Session) -> DatabaseState:
    """Every table's rows in primary-key order, hashed (reads through ``session``)."""
    counts, digests = {}, {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = session.execute(select(table).order_by(*order)).all()
        digest = hashlib.sha256()
        for row in rows:
            digest.update(repr(tuple(row)).encode())
        counts[table.name] = len(rows)
        digests[table.name] = digest.hexdigest()
    return DatabaseState(counts, digests)
