"""No GET request changes anything: every GET route, with real ids from a seeded contest,
as each role, leaves every table's rows as they were and queues no mail.

A link can be fetched by a mail scanner, a browser's prefetch or an ``<img>`` on another
site, so a GET that writes is a change nobody chose. Routes are read from the url_map: a
new one is checked without being listed.
"""

from __future__ import annotations

import pytest

from prizes.core import mail
from tests.dbstate import database_state
from tests.seeded import Seeded, seed_contest, url_values

ROLES = ["anonymous", "voter", "stakeholder", "expert", "secretariat"]

# GET routes allowed to write one table, on purpose.
AUDITED_READS = {
    # Who downloaded an export of votes or nominations is itself kept in the audit trail.
    "exports.download": {"audit_events"},
    "exports.edition_tables": {"audit_events"},
    "exports.edition_archive": {"audit_events"},
    "admin.audit_csv": {"audit_events"},
}


def _person(seeded: Seeded, role: str):
    return {
        "voter": seeded.voter,
        "stakeholder": seeded.owner,
        "expert": seeded.expert,
        "secretariat": seeded.secretariat,
    }.get(role)


def _token_for(seeded: Seeded, endpoint: str) -> str:
    return {
        "accounts.reset_password": seeded.reset_token,
        "accounts.verify_email": seeded.verify_token,
        "accounts.confirm_email_change": seeded.email_change_token,
    }.get(endpoint, seeded.invitation_token)


def get_urls(app, seeded: Seeded) -> dict[str, str]:
    """One URL per GET rule (two for the rules with optional arguments' variants)."""
    values = url_values(seeded)
    urls = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.endpoint}: give {missing} a real value in tests/seeded.py"
        arguments = {name: values[name] for name in rule.arguments}
        if "token" in arguments:
            arguments["token"] = _token_for(seeded, rule.endpoint)
        url = rule.build(arguments, append_unknown=False)[1]
        urls[f"{rule.endpoint} {rule.rule}"] = url
    return urls


@pytest.fixture
def mail_queued(monkeypatch):
    """Every message queued during the test, sent or not."""
    queued = []
    original = mail.queue

    def spy(session, **kwargs):
        queued.append(kwargs.get("to"))
        return original(session, **kwargs)

    monkeypatch.setattr(mail, "queue", spy)
    return queued


def test_every_get_route_gets_a_url(app, db):
    seeded = seed_contest()
    urls = get_urls(app, seeded)
    endpoints = {key.split(" ")[0] for key in urls}
    assert set(AUDITED_READS) <= endpoints, "an allowed write names a route that is gone"
    assert len(urls) > 40


@pytest.mark.parametrize("role", ROLES)
def test_no_get_request_changes_anything(app, client, db, outbox, mail_queued, role):
    seeded = seed_contest()
    person = _person(seeded, role)
    if person is not None:
        client.login(person.email)
    mail_queued.clear()
    before = database_state(db)
    statuses = {}
    for name, url in get_urls(app, seeded).items():
        response = client.get(url)
        response.close()  # a static file's response holds the file open
        statuses[name] = response.status_code
        assert response.status_code < 500, (name, url, role)
        after = database_state(db)
        allowed = AUDITED_READS.get(name.split(" ")[0], set())
        assert set(before.changed_tables(after)) - allowed == set(), (name, url, role)
        before = after
    assert mail_queued == [] and outbox() == []
    # The walk reached real pages, not only refusals, and ended still signed in.
    assert sum(1 for code in statuses.values() if code == 200) > 10, statuses
    assert client.get("/account").status_code == (302 if person is None else 200)


@pytest.mark.parametrize("endpoint", ["accounts.verify_email", "accounts.confirm_email_change"])
def test_opening_a_mailed_link_changes_nothing_until_confirmed(app, client, db, endpoint):
    """A mail scanner or a prefetching browser opens links; only the button confirms."""
    seeded = seed_contest()
    path = next(u for name, u in get_urls(app, seeded).items() if name.startswith(endpoint))
    before = database_state(db)
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True).lower()
    assert database_state(db).changed_tables(before) == []
    confirmed = client.post_form(path)
    assert confirmed.status_code == 302
    assert database_state(db).changed_tables(before) != []
