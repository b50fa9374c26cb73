"""Text measures and normalisers shared by every package: word counts (as the page's live
counter in static/js/forms.js counts them) and the organisation key."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\S+")


def count_words(text: str | None) -> int:
    """Words as the browser counts them: runs of non-space characters."""
    return len(_WORD.findall(text or ""))


# Legal-form words, dropped where they stand as such: "the" first, the others last ("The
# ACME Ltd." is "acme"), and never the last word left ("Company Ltd" is "company").
_LEADING_WORDS = frozenset({"the"})
_LEGAL_FORMS = frozenset(
    {
        "inc", "incorporated", "ltd", "limited", "llc", "plc", "gmbh", "ag", "sa", "sarl",
        "srl", "bv", "nv", "co", "corp", "corporation", "company",
    }
)  # fmt: skip
_KEY_LENGTH = 300
# Vowel signs that writers of Arabic and Hebrew add or leave out: the same name either way.
_OPTIONAL_MARKS = re.compile("[\u0591-\u05c7\u064b-\u0653\u0656-\u065f\u0670]")


def organisation_key(name: str | None) -> str | None:
    """The form in which two spellings of one organisation are equal: letters and digits of
    every script kept (Arabic, Chinese, Cyrillic as much as Latin), compatibility forms
    (full-width, ligatures) and case folded, accents dropped from Latin and Greek letters,
    optional Arabic and Hebrew vowel signs dropped, digits of any script read as 0-9,
    everything else a separator, legal-form words dropped.
    A name with no letter or digit has no key (None): it is never equal to another."""
    words = _words(_fold(name or ""))
    if words and words[0] in _LEADING_WORDS and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words = words[:-1]
    key = " ".join(words)[:_KEY_LENGTH].strip()
    return key or None


def same_organisation(one: str | None, other: str | None) -> bool:
    """Whether two keys name one organisation: a missing key is equal to none."""
    return one is not None and one == other


def _fold(text: str) -> str:
    """NFKC and case folding, with the accents of Latin and Greek letters and the optional
    vowel signs of Arabic and Hebrew removed (other scripts' marks are part of their
    letters and stay)."""
    text = _OPTIONAL_MARKS.sub("", text)
    kept: list[str] = []
    base_is_plain = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if base_is_plain:
                continue
        else:
            base_is_plain = unicodedata.name(char, "").startswith(("LATIN", "GREEK"))
        kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept)).casefold()


def _words(text: str) -> list[str]:
    """Runs of letters, digits and marks; format characters (zero-width joiners, the Arabic
    tatweel) vanish inside a word, anything else separates words."""
    words: list[str] = []
    current: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf" or char == "\u0640":
            continue
        if category == "Nd":
            current.append(str(unicodedata.decimal(char)))
        elif char.isalnum() or category.startswith("M"):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words
