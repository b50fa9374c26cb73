"""The six UN languages: which one a request is answered in, and how a reader changes it.

The choice, in order: the reader's explicit choice (the header's switcher, kept in a cookie
and, for a signed-in reader, in their profile), then the browser's ``Accept-Language``, then
English. Anything unknown falls back to the next step, so a forged cookie, a stale profile
value or a malformed header never fails a page. URLs are the same in every language; pages
say so with ``Vary: Accept-Language, Cookie``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

DEFAULT = "en"
# Each language named in itself, in the order the switcher lists them.
LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
RIGHT_TO_LEFT = frozenset({"ar"})
COOKIE = "language"
COOKIE_MAX_AGE = 400 * 24 * 3600


def supported(code: str | None) -> str | None:
    """``code`` if it names one of the six languages (``fr-CH`` counts as ``fr``), else None."""
    if not code or not isinstance(code, str):
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def from_header() -> str | None:
    """The best of the six for the browser's ``Accept-Language`` (Werkzeug parses it and
    ignores what it cannot read; its match falls back from ``zh-CN`` to ``zh``)."""
    try:
        # English first: a bare "*" (any language) gets the default.
        offered = [DEFAULT, *(code for code in LANGUAGES if code != DEFAULT)]
        return supported(request.accept_languages.best_match(offered))
    except ValueError:  # a header Werkzeug could not make sense of counts as none
        return None


SESSION_KEY = "language"


def select_locale() -> str:
    """Flask-Babel's locale selector: cookie, profile, header, English.

    The profile's language travels in the session (put there at sign-in and by the
    switcher), so choosing a language reads no account: the vote stays one statement."""
    if not has_request_context():
        return DEFAULT
    chosen = supported(request.cookies.get(COOKIE))
    if chosen is None and "_user_id" in session:
        chosen = supported(session.get(SESSION_KEY))
    if chosen is None and SESSION_KEY not in session and current_user.is_authenticated:
        # A session restored from the remember-me cookie: read the profile once.
        remember_profile_language(getattr(current_user, "language", None))
        chosen = supported(session.get(SESSION_KEY))
    return chosen or from_header() or DEFAULT


def remember_profile_language(language: str | None) -> None:
    """Keep the signed-in reader's profile language in their session ("" for none)."""
    session[SESSION_KEY] = supported(language) or ""


def current_language() -> str:
    """The language of the page being answered (or of the mail being written)."""
    locale = get_locale()
    return (supported(str(locale)) if locale else None) or DEFAULT


def text_direction(language: str | None = None) -> str:
    return "rtl" if (language or current_language()) in RIGHT_TO_LEFT else "ltr"


def remember_choice(response: BaseResponse, language: str) -> BaseResponse:
    """Keep the reader's choice in a cookie (readable by nothing but the server)."""
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _vary(response: Response) -> Response:
    """A page's words depend on the cookie and the header: tell every cache so."""
    if response.mimetype in {"text/html", "application/json", "text/csv"} and not (
        request.path.startswith("/static/")
    ):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def _template_globals() -> dict[str, Any]:
    language = current_language() if has_request_context() else DEFAULT
    return {
        "page_language": language,
        "page_direction": text_direction(language),
        "languages": LANGUAGES,
    }


def init_app(app: Flask) -> None:
    app.after_request(_vary)
    app.context_processor(_template_globals)
    # A global, not only context: imported macros (the charts) see globals only.
    app.jinja_env.globals["text_direction"] = text_direction
