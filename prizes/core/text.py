"""Text measures shared by forms, services and the page's live counter (static/js/forms.js)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")


def count_words(text: str | None) -> int:
    """Words as the browser counts them: runs of non-space characters."""
    return len(_WORD.findall(text or ""))
