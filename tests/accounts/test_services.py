"""Account use cases, called directly and checked in the database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from prizes.accounts import services
from prizes.accounts.models import LoginEvent, Role, User
from prizes.accounts.passwords import hash_password
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.tokens import InvalidToken, make_token
from tests.conftest import PASSWORD
from tests.factories import make_user

LINK = re.compile(r"http://\S+/(?:verify|password/reset)/(\S+)")


def _token_in(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _register(db, email="ana@example.org", password=PASSWORD):
    registration = services.register_user(email=email, password=password, now=now())
    db.commit()
    return registration


def test_register_creates_an_unverified_account_and_mails_a_link(db, outbox):
    registration = _register(db)
    user = registration.user
    assert registration.created
    assert not user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    [message] = outbox()
    assert message["To"] == "ana@example.org"
    assert "/verify/" in message.get_content()
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "user.registered"))


def test_a_second_registration_of_the_same_mailbox_creates_nothing_and_warns_the_owner(db, outbox):
    _register(db, "jane.doe@gmail.com")
    again = _register(db, "Jane.Doe+vote@googlemail.com", password="another password")
    assert not again.created
    assert db.scalar(select(func.count(User.id))) == 1
    messages = outbox()
    assert messages[0]["Subject"] == "Someone tried to register with your address"
    assert messages[0]["To"] == "jane.doe@gmail.com"


def test_disposable_addresses_are_refused(db, outbox):
    with pytest.raises(services.DisposableEmail):
        services.register_user(email="x@mailinator.com", password=PASSWORD, now=now())
    assert db.scalar(select(func.count(User.id))) == 0
    assert outbox() == []


def test_verification_link_works_once(db, outbox):
    _register(db)
    token = _token_in(outbox()[0])
    user = services.verify_email(token, now=now())
    db.commit()
    assert user.is_verified
    with pytest.raises(InvalidToken):
        services.verify_email(token, now=now())


def test_expired_or_foreign_tokens_are_refused(app, db, outbox, monkeypatch):
    user = _register(db).user
    token = _token_in(outbox()[0])
    monkeypatch.setitem(app.config, "VERIFY_TOKEN_MAX_AGE", -1)
    with pytest.raises(InvalidToken):
        services.verify_email(token, now=now())
    monkeypatch.undo()
    reset_token = make_token(services.RESET, user.id, "whatever")
    with pytest.raises(InvalidToken):  # a token for another purpose
        services.verify_email(reset_token, now=now())
    with pytest.raises(InvalidToken):
        services.verify_email(token + "x", now=now())


def test_mail_is_only_sent_when_the_transaction_commits(db, outbox):
    services.register_user(email="later@example.org", password=PASSWORD, now=now())
    assert outbox() == []
    db.rollback()
    assert outbox() == []
    assert db.scalar(select(func.count(User.id))) == 0


def test_authenticate_checks_the_password_and_records_attempts(db):
    user = make_user(email="bo@example.org")
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(
            email="bo@example.org", password="wrong", now=now(), network_hash="n", device_hash=None
        )
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(
            email="nobody@example.org",
            password=PASSWORD,
            now=now(),
            network_hash="n",
            device_hash=None,
        )
    found = services.authenticate(
        email="BO@example.org", password=PASSWORD, now=now(), network_hash="n", device_hash=None
    )
    assert found.id == user.id and found.last_login_at is not None
    outcomes = db.scalars(select(LoginEvent.succeeded).order_by(LoginEvent.id)).all()
    assert outcomes == [False, False, True]


def test_disabled_accounts_cannot_sign_in(db):
    admin = make_user(roles=(Role.SECRETARIAT,))
    user = make_user(email="off@example.org")
    services.disable_user(user, by=admin, now=now())
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(
            email="off@example.org",
            password=PASSWORD,
            now=now(),
            network_hash=None,
            device_hash=None,
        )


def test_password_hash_is_upgraded_when_the_cost_changes(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    user = make_user(email="old@example.org")
    old_hash = user.password_hash
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 3)
    services.authenticate(
        email="old@example.org", password=PASSWORD, now=now(), network_hash=None, device_hash=None
    )
    assert user.password_hash != old_hash and "t=3" in user.password_hash


def test_password_reset_is_single_use_and_ends_other_sessions(db, outbox):
    user = make_user(email="reset@example.org", verified=False)
    version = user.session_version
    services.request_password_reset(email="reset@example.org")
    db.commit()
    token = _token_in(outbox()[0])
    services.reset_password(token, password="a brand new passphrase", now=now())
    db.commit()
    assert user.session_version == version + 1
    assert user.is_verified  # the link proved the mailbox
    with pytest.raises(InvalidToken):
        services.reset_password(token, password="yet another passphrase", now=now())


def test_reset_for_an_unknown_address_sends_nothing(db, outbox):
    services.request_password_reset(email="ghost@example.org")
    db.commit()
    assert outbox() == []


def test_roles_are_granted_revoked_and_audited(db):
    admin = make_user(roles=(Role.SECRETARIAT,))
    user = make_user()
    assert services.grant_role(user, Role.STAKEHOLDER, by=admin)
    assert not services.grant_role(user, Role.STAKEHOLDER, by=admin)
    assert user.has_role(Role.STAKEHOLDER)
    assert services.revoke_role(user, Role.STAKEHOLDER, by=admin)
    assert not user.has_role(Role.STAKEHOLDER)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all()
    assert actions == ["user.role_granted", "user.role_revoked"]


def test_create_admin_makes_a_verified_secretariat_account(db):
    user = services.create_admin(email="chief@example.org", password=PASSWORD, now=now())
    assert user.is_verified and user.has_role(Role.SECRETARIAT)
    existing = make_user(email="staff@example.org", password="unchanged password")
    again = services.create_admin(email="staff@example.org", password="ignored password", now=now())
    assert again.id == existing.id and again.has_role(Role.SECRETARIAT)
    assert again.password_hash == existing.password_hash


def test_password_hashes_are_argon2id(app):
    with app.test_request_context():
        assert hash_password("x" * 8).startswith("$argon2id$")
