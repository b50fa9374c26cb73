"""A stocktaking entry's fields, as one frozen object: the form and the importer build it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prizes.core.vocabulary import ActionLine, StakeholderType


@dataclass(frozen=True)
class EntryFields:
    title: str
    organisation: str
    stakeholder_type: StakeholderType
    country: str
    description: str
    action_lines: list[ActionLine]
    sdgs: list[int]
    website: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    # The other countries of a project that spans several (``country`` is its first).
    other_countries: tuple[str, ...] = ()
