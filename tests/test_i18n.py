"""Every user-visible string is marked for translation and is in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "prizes" / "translations" / "messages.pot"
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
TAGS = re.compile(r"<[^>]*>", re.S)
ENTITIES = re.compile(r"&\w+;|&#\d+;")


def _msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}


def test_templates_have_no_unmarked_text():
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*")):
        if template.suffix not in {".html", ".txt"}:
            continue
        text = ENTITIES.sub(" ", TAGS.sub(" ", JINJA.sub(" ", template.read_text())))
        words = [w for w in re.findall(r"[^\W\d_]{2,}", text)]
        if words:
            offenders.append(f"{template.relative_to(ROOT)}: {' '.join(words[:8])}")
    assert offenders == []


def test_the_catalogue_holds_every_marked_string(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(fresh),
            "--no-location",
            "--omit-header",
            str(ROOT),
        ]
    )
    missing = _msgids(fresh) - _msgids(CATALOGUE)
    assert missing == set(), "run `make messages` to update the catalogue"
    english = ROOT / "prizes" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    assert _msgids(fresh) - _msgids(english) == set()
