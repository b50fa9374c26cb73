"""Organisation names in a normalised form, so "The ACME Ltd." and "acme" are one organisation."""

from __future__ import annotations

import re
import unicodedata

_LEGAL_SUFFIXES = re.compile(
    r"\b(the|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|sarl|srl|bv|nv|co|corp|corporation|company)\b"
)


def organisation_key(name: str) -> str:
    """Lower case, accents and punctuation removed, legal-form words dropped."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())[:300]
