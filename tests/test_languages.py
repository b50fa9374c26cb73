# ruff: noqa: RUF001  (Cyrillic, Arabic and Chinese text on purpose)
"""The six UN languages end to end: how a request's language is chosen, the switcher, the
right-to-left page, mails in the recipient's language, the cache keyed by language, text
in any script found by the search, and every page of every journey drawn in each language."""

from __future__ import annotations

import contextvars
import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from prizes.accounts import services as accounts
from prizes.accounts.models import User
from prizes.core import cache
from prizes.core.i18n import LANGUAGES, supported
from prizes.core.templating import geneva_time
from prizes.stocktaking.queries import EntryFilters, search_entries
from tests.factories import PASSWORD, make_entry, make_user
from tests.seeded import seed_contest
from tests.test_get_safety import _person, get_urls

HTML_LANG = re.compile(r'<html lang="([^"]+)" dir="(ltr|rtl)">')


def _page_language(response) -> tuple[str, str]:
    match = HTML_LANG.search(response.get_data(as_text=True))
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr", ("fr", "ltr")),
        ("ar", ("ar", "rtl")),
        ("zh-CN,zh;q=0.9,en;q=0.5", ("zh", "ltr")),
        ("ru-RU", ("ru", "ltr")),
        ("de-DE,es;q=0.7", ("es", "ltr")),
        ("de, ja", ("en", "ltr")),  # nothing of the six: English
        ("", ("en", "ltr")),
        # malformed headers never fail a page: what can be read is used, the rest ignored
        (";;;q=abc,,,", ("en", "ltr")),
        ("fr;q=nope, ar;q=0.5", ("ar", "rtl")),
        ("*", ("en", "ltr")),
        ("x" * 5000, ("en", "ltr")),
        ("\u00e9t\u00e9;q=1", ("en", "ltr")),
    ],
)
def test_accept_language_chooses_among_the_six(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert _page_language(response) == expected


def test_pages_vary_by_language(client):
    response = client.get("/projects/", headers={"Accept-Language": "fr"})
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


@pytest.mark.parametrize("cookie", ["xx", "", "english", "ar;drop table", "../../etc", "x" * 3000])
def test_an_unknown_language_in_the_cookie_falls_back(client, cookie):
    client.set_cookie("language", cookie)
    response = client.get("/", headers={"Accept-Language": "ru"})
    assert response.status_code == 200
    assert _page_language(response)[0] == "ru"
    client.delete_cookie("language")
    client.set_cookie("language", cookie)
    assert _page_language(client.get("/"))[0] == "en"


def test_the_switcher_keeps_the_choice_and_returns_to_the_page(client, db):
    page = client.get("/categories").get_data(as_text=True)
    for code, name in LANGUAGES.items():
        assert f'value="{code}" lang="{code}"' in page and name in page
    response = client.post_form("/language", {"language": "ar", "next": "/categories?x=1"})
    assert response.status_code == 303 and response.location.endswith("/categories?x=1")
    cookie = response.headers["Set-Cookie"]
    assert "language=ar" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # the explicit choice wins over the header
    page = client.get("/categories", headers={"Accept-Language": "fr"})
    assert _page_language(page) == ("ar", "rtl")
    assert "بناء القدرات" in page.get_data(as_text=True)  # a category's name, translated


def test_the_switcher_refuses_unknown_languages_foreign_targets_and_missing_tokens(client):
    assert client.post_form("/language", {"language": "de"}).status_code == 400
    assert client.post_form("/language", {"language": "AR"}).status_code == 400
    assert client.post_form("/language", {}).status_code == 400
    response = client.post_form("/language", {"language": "fr", "next": "//evil.example/"})
    assert response.status_code == 303 and "evil" not in response.location
    assert client.post("/language", data={"language": "fr"}).status_code == 400  # no CSRF


def test_a_signed_in_readers_choice_goes_to_their_profile_and_follows_them(app, client, db):
    user = make_user()
    db.commit()
    client.login(user.email)
    client.post_form("/language", {"language": "zh", "next": "/"})
    db.expire_all()
    assert db.get(User, user.id).language == "zh"
    other_browser = app.test_client()
    other_browser.login(user.email)
    assert _page_language(other_browser.get("/", headers={"Accept-Language": "fr"}))[0] == "zh"


def test_an_unknown_language_in_the_profile_falls_back(client, db):
    user = make_user()
    user.language = "tlh"
    db.commit()
    client.login(user.email)
    assert _page_language(client.get("/", headers={"Accept-Language": "es"}))[0] == "es"
    assert _page_language(client.get("/"))[0] == "en"


def test_supported_reads_region_and_script_tags():
    assert [supported(c) for c in ["fr-CH", "zh_Hans_CN", "AR", "ar-EG", "pt", None, ""]] == [
        "fr",
        "zh",
        "ar",
        "ar",
        None,
        None,
        None,
    ]


def test_registration_mails_in_the_language_of_the_page(client, db, outbox):
    client.set_cookie("language", "ru")
    email = "ivan@example.org"
    response = client.post_form(
        "/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 200
    user = db.scalar(select(User).where(User.email == email))
    assert user.language == "ru"
    [message] = outbox()
    assert re.search("[а-яА-Я]{4}", message["Subject"])
    assert re.search("[а-яА-Я]{4}", message.get_content())


def test_mails_follow_the_recipients_language_not_the_pages(db, outbox):
    user = make_user()
    user.language = "ar"
    db.commit()
    accounts.request_password_reset(email=user.email)  # asked from a page in English
    db.commit()
    [message] = outbox()
    assert re.search("[\u0600-\u06ff]{3}", message["Subject"])
    assert re.search("[\u0600-\u06ff]{3}", message.get_content())


def test_the_deadline_reads_in_each_language():
    moment = datetime(2027, 3, 3, 22, 0, tzinfo=UTC)  # 23:00 in Geneva
    expected = {
        "en": "3 March 2027, 23:00 Geneva time",
        "fr": "3 mars 2027, 23:00, heure de Genève",
        "zh": "日内瓦时间 2027年3月3日 23:00",
        "ru": "3 марта 2027 г., 23:00 по женевскому времени",
    }
    from flask import current_app

    with current_app.test_request_context():
        for language, text in expected.items():
            with force_locale(language):
                # Babel writes narrow no-break spaces where a line must not break
                assert re.sub(r"\s", " ", geneva_time(moment)) == text
        with force_locale("ar"):
            assert "جنيف" in geneva_time(moment) and "2027" in geneva_time(moment)


def _in_request(app, language: str, work):
    """Run ``work`` in a request of its own (own app context, own locale), as a server does."""

    def run():
        with app.test_request_context(headers={"Accept-Language": language}):
            return work()

    return contextvars.Context().run(run)


def test_every_cache_key_holds_the_language(app, monkeypatch):
    monkeypatch.setattr(cache, "_client", lambda: FakeRedis())
    FakeRedis.store.clear()
    FakeRedis.store["prizes:cache:v:scope"] = b"0"  # the scope's version
    assert _in_request(app, "fr", lambda: cache.cached("scope", "key", lambda: "fr")) == "fr"
    assert _in_request(app, "ar", lambda: cache.cached("scope", "key", lambda: "ar")) == "ar"
    assert _in_request(app, "ar", lambda: cache.entry_key("scope", 0, "key")) == (
        "prizes:cache:scope:0:ar:key"
    )
    assert _in_request(app, "fr", lambda: cache.cached("scope", "key", lambda: "new")) == "fr"
    assert sorted(FakeRedis.store) == [
        "prizes:cache:scope:0:ar:key",
        "prizes:cache:scope:0:fr:key",
        "prizes:cache:v:scope",
    ]


class FakeRedis:
    """The two Redis calls cache.cached makes, in a dict (the real server is tested in
    tests/voting with PRIZES_TEST_REDIS_SERVER)."""

    store: dict[str, bytes] = {}

    def get(self, key):
        return self.store.get(key)

    def set(self, key, value, ex=None, nx=False):
        if not (nx and key in self.store):
            self.store[key] = str(value).encode()


@pytest.fixture
def scripts(db):
    made = {
        "arabic": make_entry(
            title="الزراعة الذكية في الريف",
            organisation="جمعية التنمية الرقمية",
            description="منصة لتبادل المعرفة بين المزارعين.",
        ),
        "chinese": make_entry(
            title="农村宽带普及项目",
            organisation="中国信息通信研究院",
            description="为偏远山区学校提供宽带接入和电子学习资源。",
        ),
        "russian": make_entry(
            title="Цифровая грамотность для пожилых",
            organisation="Фонд «Открытое общество»",
            description="Бесплатные курсы компьютерной грамотности в сельских библиотеках.",
        ),
        "english": make_entry(title="Rural broadband for schools", description="Fibre."),
    }
    db.commit()
    return made


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("الزراعة", {"arabic"}),
        ("زراعة", {"arabic"}),  # without the article
        ("زِراعة", {"arabic"}),  # with a vowel mark
        ("المزارعين", {"arabic"}),
        ("宽带", {"chinese"}),  # two characters: inside a longer run
        ("宽带接入", {"chinese"}),
        ("电子学习", {"chinese"}),
        ("信息通信", {"chinese"}),  # in the organisation
        ("山区 学校", {"chinese"}),
        ("цифровая", {"russian"}),
        ("ЦИФРОВ", {"russian"}),  # case and prefix
        ("сельских библиотек", {"russian"}),
        ("broadband", {"english"}),
        ("宽带 broadband", set()),
        ("日本", set()),
    ],
)
def test_a_search_in_any_script_finds_what_it_should(scripts, query, found):
    page = search_entries(EntryFilters(text=query), page=1)
    titles = {item.title for item in page.items}
    assert titles == {scripts[name].title for name in found}


def test_the_search_page_answers_queries_in_any_script(client, scripts):
    for query in ["宽带", "الزراعة", "Цифровая", "_%\\", "宽_带%"]:
        response = client.get("/projects/", query_string={"q": query})
        assert response.status_code == 200


def _english_phrases() -> set[str]:
    """Every English message of some length with no placeholder: none may show on a page in
    another language (user content aside)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "prizes/translations/messages.pot"
    with path.open("rb") as handle:
        ids = {m.id for m in read_po(handle) if isinstance(m.id, str) and m.id}
    return {i for i in ids if len(i) >= 20 and "%" not in i and " " in i}


TAGS = re.compile(r"<script.*?</script>|<[^>]+>", re.S)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_of_the_four_journeys_renders_in_each_language(app, db, language):
    """Voter, stakeholder, expert and secretariat (and a visitor): every GET page, with real
    ids, in the language; a 500 or a formatting error fails, and so does English text left
    on a page in another language."""
    seeded = seed_contest()
    db.commit()
    urls = get_urls(app, seeded)
    english = _english_phrases() if language != "en" else set()
    leftovers = []
    for role in ["anonymous", "voter", "stakeholder", "expert", "secretariat"]:
        browser = app.test_client()
        browser.set_cookie("language", language)
        person = _person(seeded, role)
        if person is not None:
            browser.login(person.email)
        for name, url in urls.items():
            if name.startswith("static "):
                continue
            with browser.get(url) as response:
                body = response.get_data(as_text=True)
            assert response.status_code < 500, (role, name, url, response.status_code)
            if response.mimetype != "text/html" or response.status_code != 200:
                continue
            assert _page_language(response) == (
                language,
                "rtl" if language == "ar" else "ltr",
            ), (role, name)
            if name.startswith("admin.outbox"):
                continue  # mails are shown as they were sent, in their recipients' languages
            text = " ".join(TAGS.sub(" ", body).split())
            leftovers += [(name, phrase) for phrase in english if phrase in text]
    assert sorted(set(leftovers)) == []


def test_the_stylesheet_uses_logical_properties_so_arabic_mirrors():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border|inset)-(?:left|right|top|bottom)\b[\w-]*"
        r"|(?<![\w-])(?:left|right)\s*:|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []


def test_a_choice_made_before_signing_in_goes_to_the_profile(client, db):
    user = make_user()
    db.commit()
    client.post_form("/language", {"language": "es", "next": "/"})
    client.login(user.email)
    db.expire_all()
    assert db.get(User, user.id).language == "es"


def test_organisations_named_in_other_scripts_are_told_apart():
    from prizes.core.text import organisation_key

    names = ["جمعية التنمية الرقمية", "中国信息通信研究院", "Фонд Открытое общество", "Acme"]
    keys = [organisation_key(name) for name in names]
    assert all(keys) and len(set(keys)) == len(names)


def test_the_switcher_brings_back_the_query_but_nothing_that_steers_links(client):
    page = client.get("/projects/?q=solar&page=1&_external=1&endpoint=x").get_data(as_text=True)
    [target] = re.findall(r'name="next" value="([^"]*)"', page)
    assert target.startswith("/projects/?") and "q=solar" in target
    assert "_external" not in target and "endpoint" not in target


def test_a_session_restored_by_the_remember_me_cookie_reads_the_profile_language(client, db):
    user = make_user()
    user.language = "ru"
    db.commit()
    client.post_form("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    with client.session_transaction() as session:
        session.clear()  # the session ended; only the lasting cookie is left
    assert _page_language(client.get("/", headers={"Accept-Language": "fr"}))[0] == "ru"
