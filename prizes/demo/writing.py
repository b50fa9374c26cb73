"""Writing a demo project's texts from its category's theme: the title, the stocktaking
description, and the nomination's short description, impact, partnerships and challenges.

Every choice is drawn from the random generator given, so a seed gives the same texts.
"""

from __future__ import annotations

import random

from prizes.core.text import count_words
from prizes.demo.themes import (
    BRAND_ENDINGS,
    BRAND_STEMS,
    CHALLENGES,
    INTROS,
    PARTNERSHIPS,
    SUSTAINABILITY,
    Theme,
)

GENERIC_TITLES = (
    "{Topic} for {group}",
    "{Topic} in {place}",
    "Scaling up {topic} across {place}",
    "{Brand}: {topic} for {group}",
    "{Brand}: {topic} in {place}",
)


def _bare(topic: str) -> str:
    for article in ("a ", "an "):
        if topic.startswith(article):
            return topic.removeprefix(article)
    return topic


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def slots(rng: random.Random, theme: Theme, *, org: str, place: str, year: int) -> dict[str, str]:
    """The words one project's texts are written with, drawn once so they agree."""
    return {
        "org": org,
        "place": place,
        "year": str(year),
        "until": str(year + 5),
        "topic": rng.choice(theme.topics),
        "group": rng.choice(theme.groups),
        "need": rng.choice(theme.needs),
        "brand": rng.choice(BRAND_STEMS) + rng.choice(BRAND_ENDINGS),
        "n": str(rng.randint(4, 60)),
        "m": f"{rng.randint(12, 950) * 100:,}",
        "pct": str(rng.randint(12, 64)),
    }


def _fill(template: str, slots: dict[str, str]) -> str:
    return _upper_first(template.format(**slots))


def title(rng: random.Random, theme: Theme, slots: dict[str, str]) -> str:
    bare = _bare(slots["topic"])
    shape = rng.choice(theme.titles + GENERIC_TITLES)
    return _fill(
        shape,
        {
            **slots,
            "topic": bare,
            "Topic": _upper_first(bare),
            "Brand": slots["brand"],
            "place": slots["place"].removeprefix("the "),
        },
    )


def _sentences(rng: random.Random, theme: Theme, slots: dict[str, str]) -> list[str]:
    """Every sentence the project may use, in the order a text tells them."""
    activities = rng.sample(theme.activities, k=len(theme.activities))
    results = rng.sample(theme.results, k=len(theme.results))
    return [
        _fill(rng.choice(INTROS), slots),
        *(_fill(s, slots) for s in activities),
        *(_fill(s, slots) for s in results),
        _fill(rng.choice(PARTNERSHIPS), slots),
        _fill(rng.choice(SUSTAINABILITY), slots),
        _fill(rng.choice(CHALLENGES), slots),
    ]


def _up_to(sentences: list[str], low: int, high: int) -> str:
    """The first sentences that make at least ``low`` words, and no more than ``high``."""
    chosen: list[str] = []
    for sentence in sentences:
        if count_words(" ".join(chosen)) >= low:
            break
        if count_words(" ".join([*chosen, sentence])) <= high:
            chosen.append(sentence)
    return " ".join(chosen)


def description(rng: random.Random, theme: Theme, slots: dict[str, str]) -> str:
    """The stocktaking entry's description (80 to 220 words)."""
    sentences = _sentences(rng, theme, slots)
    return _up_to(sentences, 80, 220)


def nomination_texts(rng: random.Random, theme: Theme, slots: dict[str, str]) -> dict[str, str]:
    """The nomination form's texts: the short description within the rules' 150 to 200
    words, and the impact, partnerships and challenges in a few sentences each."""
    sentences = _sentences(rng, theme, slots)
    filler = [_fill(s, slots) for s in (*PARTNERSHIPS, *SUSTAINABILITY)]
    short = _up_to([*sentences[:-1], *filler], 150, 200)
    results = [_fill(s, slots) for s in theme.results]
    return {
        "short_description": short,
        "impact": " ".join(results),
        "partnerships": " ".join(_fill(s, slots) for s in rng.sample(PARTNERSHIPS, k=2)),
        "challenges": " ".join(_fill(s, slots) for s in rng.sample(CHALLENGES, k=2)),
    }
