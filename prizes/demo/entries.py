"""Demo stocktaking entries: realistic organisations, titles, countries, action lines and
SDGs, drawn with the weights of the WSIS-SDG matrix."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

import pycountry

from prizes.contest.models import Category
from prizes.core.text import organisation_key
from prizes.core.vocabulary import SDG_HINTS, ActionLine, StakeholderType
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
CATEGORY_WEIGHTS = {
    n: w
    for n, w in zip(
        range(1, 19), [6, 5, 9, 10, 4, 4, 8, 6, 9, 8, 4, 5, 5, 3, 4, 3, 2, 5], strict=True
    )
}

TOPICS = {
    1: ["national digital strategy", "multi-stakeholder ICT council", "digital inclusion policy"],
    2: ["rural broadband", "community networks", "last-mile connectivity"],
    3: ["open data portal", "digital library", "public access centres"],
    4: ["digital skills", "coding bootcamps", "ICT teacher training"],
    5: ["cybersecurity awareness", "child online protection", "national CERT"],
    6: ["digital trade regulation", "spectrum policy", "ICT investment framework"],
    7: ["e-services one-stop shop", "digital identity", "online tax filing"],
    8: ["mobile payments for SMEs", "e-commerce marketplace", "digital trade hub"],
    9: ["online learning platform", "open educational resources", "virtual classrooms"],
    10: ["telemedicine", "electronic health records", "mobile health alerts"],
    11: ["online job matching", "remote work skills", "digital apprenticeships"],
    12: ["early warning system", "air quality monitoring", "e-waste recycling"],
    13: ["farm advisory by SMS", "crop price information", "precision agriculture"],
    14: ["research data infrastructure", "citizen science", "open science cloud"],
    15: ["local language content", "digital heritage archive", "indigenous language apps"],
    16: ["community radio online", "media literacy", "fact-checking network"],
    17: ["ethics of AI guidelines", "digital rights education", "responsible data use"],
    18: ["regional ICT cooperation", "cross-border data exchange", "South-South knowledge sharing"],
}
TITLE_SHAPES = [
    "{Topic} for {group}",
    "{Topic} in {place}",
    "{name}: {topic} for {group}",
    "Scaling {topic} across {place}",
    "{name} — {topic} programme",
]
GROUPS = [
    "rural women",
    "young people",
    "smallholder farmers",
    "persons with disabilities",
    "older persons",
    "refugees",
    "indigenous communities",
    "small businesses",
    "schools",
    "public servants",
    "health workers",
    "coastal towns",
]


MINISTRIES = [
    "Ministry of ICT",
    "Ministry of Digital Economy",
    "Ministry of Education",
    "Ministry of Health",
    "National Telecommunications Authority",
    "Ministry of Agriculture",
]
CIVIL_SOCIETY = ["Foundation", "Digital Rights Network", "Community Trust", "Association"]
ACADEMIA = ["University of", "Institute of Technology,", "Polytechnic of"]
INTERNATIONAL = ["Regional Telecommunity", "Development Bank", "Digital Cooperation Forum"]
REGIONS = ["Africa", "Asia and the Pacific", "the Americas", "Europe", "the Arab States"]


def _organisation(fake: Faker, kind: StakeholderType, country: str) -> str:
    """A plausible organisation name for the stakeholder type."""
    if kind is StakeholderType.GOVERNMENT:
        return f"{random.choice(MINISTRIES)}, {country}"
    if kind is StakeholderType.BUSINESS:
        return fake.company()
    if kind is StakeholderType.CIVIL_SOCIETY:
        return f"{fake.last_name()} {random.choice(CIVIL_SOCIETY)}"
    if kind is StakeholderType.ACADEMIA:
        return f"{random.choice(ACADEMIA)} {fake.city()}"
    if kind is StakeholderType.INTERNATIONAL_ORGANISATION:
        return f"{random.choice(INTERNATIONAL)} of {random.choice(REGIONS)}"
    return f"{fake.last_name()} {random.choice(['Hub', 'Lab', 'Collective'])}"


def words(fake: Faker, low: int, high: int) -> str:
    """A text of between ``low`` and ``high`` words."""
    target = random.randint(low, high)
    words: list[str] = []
    while len(words) < target:
        words.extend(fake.sentence(nb_words=12).split())
    text = " ".join(words[:target])
    return text.rstrip(".") + "."


def make_entries(fake: Faker, count: int, categories: list[Category]) -> list[StocktakingEntry]:
    """``count`` entries whose action lines and SDGs follow the WSIS-SDG matrix."""
    countries = [c.alpha_2 for c in pycountry.countries]
    kinds, kind_weights = zip(*STAKEHOLDER_WEIGHTS.items(), strict=True)
    numbers, number_weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    by_number = {c.number: c for c in categories}
    entries = []
    for index in range(count):
        kind = random.choices(kinds, kind_weights)[0]
        country = random.choice(countries)
        country_name = pycountry.countries.lookup(country).name
        number = random.choices(numbers, number_weights)[0]
        topic = random.choice(TOPICS[number])
        organisation = _organisation(fake, kind, country_name)
        title = random.choice(TITLE_SHAPES).format(
            Topic=topic[0].upper() + topic[1:],
            topic=topic,
            group=random.choice(GROUPS),
            place=country_name,
            name=fake.word().capitalize() + random.choice(["Net", "Link", "Hub", "Go", "ly"]),
        )
        lines = {by_number[number].action_line}
        if random.random() < 0.4:
            lines.add(random.choice(list(ActionLine)))
        hints = SDG_HINTS[number]
        sdgs = set(random.sample(hints, k=min(len(hints), random.randint(1, 4))))
        start = fake.date_between(start_date="-8y", end_date="-1y")
        entries.append(
            StocktakingEntry(
                external_id=f"DEMO-{index + 1:05d}",
                title=title[:300],
                organisation=organisation,
                organisation_key=organisation_key(organisation),
                stakeholder_type=kind,
                country=country,
                description=words(fake, 80, 220),
                website=f"https://{fake.domain_name()}",
                start_date=start,
                end_date=start + timedelta(days=random.randint(180, 1800))
                if random.random() < 0.6
                else None,
                action_lines=[EntryActionLine(action_line=line) for line in sorted(lines)],
                sdgs=[EntrySdg(sdg=sdg) for sdg in sorted(sdgs)],
            )
        )
    return entries
