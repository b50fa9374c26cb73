"""Demo stocktaking entries that read like real ones: each is about one prize category,
written from that category's theme (``prizes.demo.themes``), by an organisation of one of
the stakeholder types, in a UN member state or observer (``prizes.demo.countries``).

Faker names the organisations only; everything else comes from the themes and from the
random generator given, so the same seed gives the same entries.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from prizes.contest.models import Category
from prizes.core.clock import now
from prizes.core.text import organisation_key
from prizes.core.vocabulary import SDG_HINTS, ActionLine, StakeholderType
from prizes.demo import writing
from prizes.demo.countries import UN_COUNTRIES, country_name
from prizes.demo.themes import THEMES
from prizes.stocktaking.models import EntryActionLine, EntrySdg, StocktakingEntry

if TYPE_CHECKING:
    from faker import Faker

# Shares of the stocktaking database by stakeholder type (roughly as in real editions).
STAKEHOLDER_WEIGHTS = {
    StakeholderType.GOVERNMENT: 30,
    StakeholderType.CIVIL_SOCIETY: 25,
    StakeholderType.BUSINESS: 20,
    StakeholderType.ACADEMIA: 12,
    StakeholderType.INTERNATIONAL_ORGANISATION: 8,
    StakeholderType.OTHER: 5,
}
# Category numbers weighted by how often real entries name them (e-learning, e-health,
# capacity building and access to information lead).
CATEGORY_WEIGHTS = dict(
    zip(range(1, 19), [6, 5, 9, 10, 4, 4, 8, 6, 9, 8, 4, 5, 5, 3, 4, 3, 2, 5], strict=True)
)
CIVIL_SOCIETY = ("Foundation", "Digital Rights Network", "Community Trust", "Association")
ACADEMIA = ("University of", "Institute of Technology,", "Polytechnic of")
INTERNATIONAL = ("Regional Telecommunity", "Development Bank", "Digital Cooperation Forum")
REGIONS = ("Africa", "Asia and the Pacific", "the Americas", "Europe", "the Arab States")
OTHER = ("Hub", "Lab", "Collective", "Makerspace")
# Every category gets at least this many projects (the first ones, in turn): enough for
# each edition's seven submissions per category, from as many organisations.
PER_CATEGORY = 8
MINIMUM = 18 * PER_CATEGORY


@dataclass
class Project:
    """An entry and what it is about: its category, and the words its texts use."""

    entry: StocktakingEntry
    category_number: int
    slots: dict[str, str] = field(default_factory=dict)


def _organisation(
    fake: Faker, rng: random.Random, kind: StakeholderType, place: str, ministry: str
) -> str:
    """A plausible organisation name for the stakeholder type."""
    if kind is StakeholderType.GOVERNMENT:
        return f"{ministry}, {place.removeprefix('the ')}"
    if kind is StakeholderType.BUSINESS:
        return str(fake.company())
    if kind is StakeholderType.CIVIL_SOCIETY:
        return f"{fake.last_name()} {rng.choice(CIVIL_SOCIETY)}"
    if kind is StakeholderType.ACADEMIA:
        return f"{rng.choice(ACADEMIA)} {fake.city()}"
    if kind is StakeholderType.INTERNATIONAL_ORGANISATION:
        return f"{rng.choice(INTERNATIONAL)} of {rng.choice(REGIONS)}"
    return f"{fake.last_name()} {rng.choice(OTHER)}"


def _website(organisation: str, index: int) -> str:
    """A made-up address from the organisation's name, under the reserved .example domain
    (RFC 2606), so that no demo link leads to a real site."""
    words = re.findall(r"[a-z0-9]+", organisation.lower())
    return f"https://{'-'.join(words[:4]) or 'project'}-{index + 1}.example"


def make_projects(
    fake: Faker, count: int, categories: list[Category], *, rng: random.Random
) -> list[Project]:
    """``count`` projects: the first ``MINIMUM`` in turn per category (so that every
    category has work), the rest drawn with the categories' weights; action lines and SDGs
    follow the category. The first 18 are of every stakeholder type in turn."""
    kinds, kind_weights = zip(*STAKEHOLDER_WEIGHTS.items(), strict=True)
    numbers, number_weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    by_number = {c.number: c for c in categories}
    this_year = now().year
    projects = []
    for index in range(count):
        number = index % 18 + 1 if index < MINIMUM else rng.choices(numbers, number_weights)[0]
        theme = THEMES[number]
        kind = kinds[index % len(kinds)] if index < 18 else rng.choices(kinds, kind_weights)[0]
        country = rng.choice(UN_COUNTRIES)
        place = country_name(country)
        organisation = _organisation(fake, rng, kind, place, theme.ministry)
        year = rng.randint(this_year - 8, this_year - 2)
        slots = writing.slots(rng, theme, org=organisation, place=place, year=year)
        lines = {by_number[number].action_line}
        if rng.random() < 0.3:
            lines.add(rng.choice(list(ActionLine)))
        hints = SDG_HINTS[number]
        sdgs = sorted(rng.sample(hints, k=min(len(hints), rng.randint(1, 4))))
        start = date(year, rng.randint(1, 12), rng.randint(1, 28))
        entry = StocktakingEntry(
            external_id=f"DEMO-{index + 1:05d}",
            title=writing.title(rng, theme, slots)[:300],
            organisation=organisation,
            organisation_key=organisation_key(organisation),
            stakeholder_type=kind,
            country=country,
            description=writing.description(rng, theme, slots),
            website=_website(organisation, index),
            start_date=start,
            end_date=start + timedelta(days=rng.randint(400, 1800)) if rng.random() < 0.4 else None,
            action_lines=[EntryActionLine(action_line=line) for line in sorted(lines)],
            sdgs=[EntrySdg(sdg=sdg) for sdg in sdgs],
        )
        projects.append(Project(entry, number, slots))
    return projects


def make_entries(
    fake: Faker, count: int, categories: list[Category], *, rng: random.Random | None = None
) -> list[StocktakingEntry]:
    """``count`` entries (the benchmarks' import file uses them); see ``make_projects``."""
    rng = rng or random.Random(random.random())
    return [p.entry for p in make_projects(fake, count, categories, rng=rng)]
