"""Extension objects, created here and bound to the app in the factory."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from prizes.db import db

CATALOGUES = Path(__file__).resolve().parent / "translations"


class CatalogueDomain(Domain):
    """Translations read from the ``.po`` catalogues themselves, once per language and
    process: there is no compiled ``.mo`` to build, commit or let go stale, so a fixed
    translation shows after a restart and ``make messages`` is the whole workflow."""

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        return catalogue(str(locale)) if locale is not None else NullTranslations()


@functools.cache
def catalogue(language: str) -> NullTranslations:
    """The language's catalogue, compiled in memory (fuzzy entries left out, as msgfmt
    does); English, or a language with no catalogue, gets the messages as written."""
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


class CatalogueBabel(Babel):
    @functools.cached_property
    def domain_instance(self) -> Domain:
        return CatalogueDomain(domain=self.domain)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = CatalogueBabel()

__all__ = ["babel", "csrf", "db", "login_manager"]
