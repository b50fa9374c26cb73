"""The six catalogues are complete: every message of the template translated, none fuzzy,
placeholders kept, plural forms as the language has them. After `make messages`, this test
lists exactly what a translator still has to do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from prizes.core.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent / "prizes" / "translations"
TEMPLATE = ROOT / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = sorted(set(LANGUAGES) - {"en"})


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_there_is_a_catalogue_for_each_of_the_six_languages():
    assert sorted(p.parent.parent.name for p in ROOT.glob("*/LC_MESSAGES/messages.po")) == sorted(
        LANGUAGES
    )


def test_the_english_catalogue_holds_every_message():
    template = {_key(m) for m in _read(TEMPLATE) if m.id}
    english = {_key(m) for m in _read(ROOT / "en" / "LC_MESSAGES" / "messages.po") if m.id}
    assert template - english == set(), "run `make messages`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    template = {_key(m) for m in _read(TEMPLATE) if m.id}
    catalogue = _read(ROOT / language / "LC_MESSAGES" / "messages.po", language)
    messages = {_key(m): m for m in catalogue if m.id}
    missing = sorted(template - set(messages))
    assert missing == [], f"{language}: run `make messages`, then translate these"
    fuzzy = sorted(key for key, m in messages.items() if m.fuzzy)
    assert fuzzy == [], f"{language}: check these and remove their fuzzy flag"
    untranslated = sorted(
        key
        for key, m in messages.items()
        if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    )
    assert untranslated == [], f"{language}: translate these"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_and_the_plural_forms(language):
    catalogue = _read(ROOT / language / "LC_MESSAGES" / "messages.po", language)
    assert catalogue.num_plurals == get_plural(language).num_plurals, "Plural-Forms header"
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple) and len(strings) != catalogue.num_plurals:
            wrong.append(f"{ids[0]!r}: {len(strings)} plural forms")
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # a plural form for one (or two) may spell the number out instead of %(num)d
            if found - wanted or (wanted - found - {"num", "count"}):
                wrong.append(f"{ids[0]!r}: {sorted(found)} for {sorted(wanted)}")
            if re.search(r"%(?!\()", string):
                wrong.append(f"{ids[0]!r}: a bare % sign (Jinja formats every message)")
    assert wrong == []
