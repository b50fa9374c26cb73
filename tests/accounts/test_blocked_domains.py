"""The throw-away domains: the installed package's list, plus the secretariat's own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from prizes.accounts.emails import is_disposable
from prizes.accounts.models import BlockedMailDomain, User
from prizes.core.audit import AuditEvent
from tests.conftest import PASSWORD


def _register(client, email: str):
    return client.post_form(
        "/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    )


def _users(db) -> int:
    return db.scalar(select(func.count(User.id)))


def test_the_secretariat_adds_and_removes_a_throw_away_domain(client, db, login_as):
    assert not is_disposable("someone@burner.example")
    login_as("secretariat")
    page = client.get("/admin/mail-domains")
    assert page.status_code == 200 and "mailinator.com" not in page.get_data(as_text=True)
    added = client.post_form(
        "/admin/mail-domains", {"domain": "  Burner.Example. ", "reason": "Seen in a campaign"}
    )
    assert added.status_code == 302
    assert db.scalar(select(BlockedMailDomain.domain)) == "burner.example"
    assert "burner.example" in client.get("/admin/mail-domains").get_data(as_text=True)
    assert is_disposable("someone@burner.example")
    assert is_disposable("someone@mx.burner.example")  # and its subdomains
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("mail_domain%")))
    assert list(events) == ["mail_domain.blocked"]

    client.post_form("/logout")
    users = _users(db)
    refused = _register(client, "someone@burner.example")
    assert refused.status_code == 422 and "throw-away mail services" in refused.get_data(
        as_text=True
    )
    assert _users(db) == users

    login_as("secretariat")
    blocked = db.scalar(select(BlockedMailDomain))
    again = client.post_form("/admin/mail-domains", {"domain": "burner.example", "reason": ""})
    assert again.status_code == 422  # already on the list
    removed = client.post_form(f"/admin/mail-domains/{blocked.id}/remove")
    assert removed.status_code == 302
    assert not is_disposable("someone@burner.example")


@pytest.mark.parametrize(
    "domain", ["", "not a domain", "a..b", "x" * 300, "gmail.com\x00", "-bad.example", "com"]
)
def test_a_domain_that_is_not_one_is_refused(client, db, login_as, domain):
    login_as("secretariat")
    response = client.post_form("/admin/mail-domains", {"domain": domain, "reason": ""})
    assert response.status_code in (400, 422)
    assert db.scalar(select(func.count(BlockedMailDomain.id))) == 0


def test_the_packages_list_is_the_base(db):
    from disposable_email_domains import blocklist

    assert len(blocklist) > 1000
    assert all(is_disposable(f"x@{domain}") for domain in sorted(blocklist)[:50])
    assert not is_disposable("x@itu.int")


@pytest.mark.parametrize("role", ["voter", "stakeholder", "expert"])
def test_only_the_secretariat_blocks_domains(client, db, login_as, role):
    login_as(role)
    assert client.get("/admin/mail-domains").status_code == 403
    response = client.post_form("/admin/mail-domains", {"domain": "x.example", "reason": ""})
    assert response.status_code == 403
    assert db.scalar(select(func.count(BlockedMailDomain.id))) == 0
