"""The organisation key: one organisation in any spelling, in every script, never an empty key."""

from __future__ import annotations

import pytest

from prizes.core.text import organisation_key, same_organisation


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("The ACME Ltd.", "acme"),
        ("\uff21\uff23\uff2d\uff25", "Acme"),  # full-width letters
        ("Société Générale", "SOCIETE GENERALE"),
        ("ﬁbre for all", "Fibre-for-all"),  # a ligature, hyphens
        ("МИНИСТЕРСТВО СВЯЗИ", "Министерство связи"),
        ("\uff33\uff34\uff32\uff21\uff33\uff33\uff25", "Straße"),  # width and case folding together
        ("中国移动通信集团", "中国移动通信集团 "),
        ("مُؤَسَّسَة الاتصالات", "مؤسسة الاتصالات"),  # with and without vowel signs
        ("وزارة ٣ الاتصالات", "وزارة 3 الاتصالات"),  # Arabic-Indic digits
        ("Company Ltd", "company"),
    ],
)
def test_two_spellings_of_one_organisation_have_one_key(one, other):
    assert organisation_key(one) == organisation_key(other)
    assert same_organisation(organisation_key(one), organisation_key(other))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Научный центр «Связь»", "научный центр связь"),
        ("中国移动通信集团", "中国移动通信集团"),
        ("هيئة تنظيم الاتصالات", "هيئة تنظيم الاتصالات"),
        ("हिन्दी संस्था", "हिन्दी संस्था"),  # its vowel signs are part of its letters
        ("Αθήνα", "αθηνα"),
    ],
)
def test_letters_of_every_script_are_kept(name, key):
    assert organisation_key(name) == key


def test_names_in_different_scripts_are_different_organisations():
    keys = {
        organisation_key(name)
        for name in ("Научный центр", "中国移动", "مؤسسة الاتصالات", "هيئة الاتصالات", "Acme")
    }
    assert len(keys) == 5


@pytest.mark.parametrize("name", [None, "", "   ", "---", "«»", "..."])
def test_a_name_without_letters_has_no_key_and_equals_none(name):
    assert organisation_key(name) is None
    assert not same_organisation(organisation_key(name), organisation_key(name))
    assert not same_organisation(None, "acme")


def test_legal_form_words_go_only_where_they_stand_as_such():
    assert organisation_key("The Bank of the West Co") == "bank of the west"
    assert organisation_key("Sa Pa Tourism") == "sa pa tourism"
    assert organisation_key("The") == "the"
