"""The contest's fixed vocabularies: stakeholder types, action lines, SDGs, countries."""

from __future__ import annotations

import functools
import unicodedata
from enum import StrEnum
from typing import Any

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l


class LabelledEnum(StrEnum):
    """A string enum whose members are declared with their label, so the two cannot drift
    apart: ``NAME = "value", _l("How it reads")``. ``label`` is the text in the reader's
    language (a member declared without one reads as its value)."""

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        return str(self._label)


class StakeholderType(StrEnum):
    GOVERNMENT = "government"
    BUSINESS = "business"
    CIVIL_SOCIETY = "civil_society"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    ACADEMIA = "academia"
    OTHER = "other"


STAKEHOLDER_TYPE_LABELS = {
    StakeholderType.GOVERNMENT: _l("Government"),
    StakeholderType.BUSINESS: _l("Business sector"),
    StakeholderType.CIVIL_SOCIETY: _l("Civil society"),
    StakeholderType.INTERNATIONAL_ORGANISATION: _l("International organisation"),
    StakeholderType.ACADEMIA: _l("Academia"),
    StakeholderType.OTHER: _l("Other"),
}


class ActionLine(StrEnum):
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    C6 = "C6"
    C7 = "C7"
    C8 = "C8"
    C9 = "C9"
    C10 = "C10"
    C11 = "C11"


# The WSIS action lines of the Geneva Plan of Action, C1 to C11.
ACTION_LINE_NAMES = {
    ActionLine.C1: _l(
        "The role of public governance authorities and all stakeholders in the promotion of "
        "ICTs for development"
    ),
    ActionLine.C2: _l("Information and communication infrastructure"),
    ActionLine.C3: _l("Access to information and knowledge"),
    ActionLine.C4: _l("Capacity building"),
    ActionLine.C5: _l("Building confidence and security in the use of ICTs"),
    ActionLine.C6: _l("Enabling environment"),
    ActionLine.C7: _l("ICT applications"),
    ActionLine.C8: _l("Cultural diversity and identity, linguistic diversity and local content"),
    ActionLine.C9: _l("Media"),
    ActionLine.C10: _l("Ethical dimensions of the Information Society"),
    ActionLine.C11: _l("International and regional cooperation"),
}


def action_line_label(line: ActionLine | str) -> str:
    """'C7: ICT applications', in the reader's language."""
    code = ActionLine(line)
    return f"{code.value}: {ACTION_LINE_NAMES[code]}"


SDG_NUMBERS = range(1, 18)

SDG_NAMES = {
    1: _l("No Poverty"),
    2: _l("Zero Hunger"),
    3: _l("Good Health and Well-being"),
    4: _l("Quality Education"),
    5: _l("Gender Equality"),
    6: _l("Clean Water and Sanitation"),
    7: _l("Affordable and Clean Energy"),
    8: _l("Decent Work and Economic Growth"),
    9: _l("Industry, Innovation and Infrastructure"),
    10: _l("Reduced Inequalities"),
    11: _l("Sustainable Cities and Communities"),
    12: _l("Responsible Consumption and Production"),
    13: _l("Climate Action"),
    14: _l("Life Below Water"),
    15: _l("Life on Land"),
    16: _l("Peace, Justice and Strong Institutions"),
    17: _l("Partnerships for the Goals"),
}


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166-1 alpha-2 codes with their names in the reader's language, sorted by name
    (made once per language and process: every search page and form shows the list)."""
    return list(_country_choices(str(get_locale() or "")))


@functools.lru_cache(maxsize=16)
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    pairs = [(country.alpha_2, country_name(country.alpha_2)) for country in pycountry.countries]
    return tuple(sorted(pairs, key=lambda pair: sort_key(pair[1])))


def sort_key(text: str) -> str:
    """A key that sorts names in any script sensibly without a collation library: case
    and accents folded (É with E), scripts then in code-point order."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# A stocktaking entry of an international organisation, or of no single country: XX is
# user-assigned in ISO 3166-1, so it never stands for a real country.
INTERNATIONAL = "XX"


def entry_country_choices() -> list[tuple[str, str]]:
    """The countries an entry may name: international first, then every country."""
    return [(INTERNATIONAL, str(_l("International (no single country)"))), *country_choices()]


def is_entry_country(code: str) -> bool:
    return code.upper() == INTERNATIONAL or is_country_code(code)


def is_country_code(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def country_name(code: str | None) -> str:
    if not code:
        return ""
    if code.upper() == INTERNATIONAL:
        return str(_l("International"))
    locale = get_locale()
    if locale is not None:
        local_name = locale.territories.get(code.upper())
        if local_name:
            return str(local_name)
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def _span(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))


# The WSIS-SDG matrix: the SDGs each category usually advances, by category number. These
# are hints for forms and demo data, not rules.
SDG_HINTS: dict[int, list[int]] = {
    1: [1, 3, 5, 10, 16, 17],
    2: [1, 8, 9, 11],
    3: [1, 2, 3, *_span(5, 17)],
    4: [*_span(1, 6), 12, 13, 14, 16, 17],
    5: [1, 4, 5, 7, 8, 9, 11, 16, 17],
    6: [2, 4, 5, 8, 9, 10, 11, 16, 17],
    7: [9, 16, 17],
    8: [1, 2, 5, 8, 9, 17],
    9: [4],
    10: [1, 2, 3, 5, 17],
    11: [4, 8, 10, 12, 17],
    12: [9, 11, 13, 15, 16],
    13: [*_span(1, 5), 8, 9, 12, 13, 17],
    14: [1, 4, 6, 7, 13, 14, 15, 17],
    15: [2, 4, 6, 8, 9, 11, 12],
    16: [5, 9, 12, 16],
    17: [*_span(1, 5), *_span(8, 13), 16, 17],
    18: [17],
}
