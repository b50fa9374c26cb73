"""Two-factor sign-in: setting it up, signing in with a code or a recovery code, and the
roles that must use it."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from prizes.accounts.models import RecoveryCode
from prizes.core.clock import now
from tests.conftest import PASSWORD
from tests.factories import make_user


def _enable(client, db) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the pages; returns the secret and recovery codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    wrong = client.post_form("/account/two-factor", {"code": "000000"})
    assert wrong.status_code == 422
    done = client.post_form("/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([0-9A-F]{6}-[0-9A-F]{6})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _sign_in_with_code(client, email: str, code: str):
    first = client.post_form("/login", {"email": email, "password": PASSWORD})
    assert first.location == "/login/code"
    return client.post_form("/login/code", {"code": code})


def test_set_up_then_sign_in_with_a_code(client, db):
    user = make_user(email="totp@example.org")
    db.commit()
    client.login(user.email)
    secret, _codes = _enable(client, db)
    client.post_form("/logout")
    totp = pyotp.TOTP(secret)
    # The step after the one used at set-up, so the code is new.
    code = totp.at(now().timestamp() + 30)
    response = _sign_in_with_code(client, user.email, code)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_the_password_alone_does_not_sign_in(client, db):
    user = make_user(email="half@example.org")
    db.commit()
    client.login(user.email)
    _enable(client, db)
    client.post_form("/logout")
    client.post_form("/login", {"email": user.email, "password": PASSWORD})
    assert client.get("/account").status_code == 302  # not signed in yet
    assert client.post_form("/login/code", {"code": "123456"}).status_code == 422


def test_a_code_works_once_and_a_recovery_code_once(client, db):
    user = make_user(email="once@example.org")
    db.commit()
    client.login(user.email)
    secret, codes = _enable(client, db)
    client.post_form("/logout")
    reused = _sign_in_with_code(client, user.email, pyotp.TOTP(secret).now())
    assert reused.status_code == 422  # the set-up already used this step
    client.post_form("/logout")
    assert _sign_in_with_code(client, user.email, codes[0].lower()).status_code == 302
    client.post_form("/logout")
    assert _sign_in_with_code(client, user.email, codes[0]).status_code == 422
    used = db.scalars(select(RecoveryCode.used_at).where(RecoveryCode.user_id == user.id)).all()
    assert sum(1 for moment in used if moment) == 1


def test_the_secretariat_must_turn_it_on(app, client, db, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR_ROLES", ("secretariat", "expert"))
    login_as("secretariat")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location == "/account/two-factor"
    _secret, _codes = _enable(client, db)
    assert client.get("/admin/").status_code == 200
    status = client.post_form("/account/two-factor", {"code": _codes[0]})
    assert "role requires two-factor" in status.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login/code"])
def test_the_code_page_needs_a_pending_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.location == "/login"


def test_the_set_up_code_is_refused_at_sign_in_and_says_why(client, db):
    """Why 'the first code was refused and the next accepted': the set-up used that step."""
    user = make_user(email="first@example.org")
    db.commit()
    client.login(user.email)
    secret, _codes = _enable(client, db)
    client.post_form("/logout")
    totp = pyotp.TOTP(secret)
    db.refresh(user)
    # The set-up's own step (by the stored counter: a step boundary may pass in between).
    same_step = _sign_in_with_code(client, user.email, totp.generate_otp(user.totp_last_step))
    assert same_step.status_code == 422
    assert "already used" in same_step.get_data(as_text=True)
    next_step = client.post_form("/login/code", {"code": totp.at(now().timestamp() + 30)})
    assert next_step.status_code == 302
    assert client.get("/account").status_code == 200


def test_a_clock_one_step_off_is_accepted_two_steps_is_not(client, db):
    """The window is one step either side; three ahead stays outside it even if a step
    boundary passes during the test."""
    user = make_user(email="drift@example.org")
    db.commit()
    client.login(user.email)
    secret, _codes = _enable(client, db)
    client.post_form("/logout")
    totp = pyotp.TOTP(secret)
    two_ahead = _sign_in_with_code(client, user.email, totp.at(now().timestamp() + 90))
    assert two_ahead.status_code == 422
    assert "not right" in two_ahead.get_data(as_text=True)
    one_ahead = client.post_form("/login/code", {"code": totp.at(now().timestamp() + 30)})
    assert one_ahead.status_code == 302
