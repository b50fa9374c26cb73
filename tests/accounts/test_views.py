"""The account pages through the real stack: forms, redirects, cookies and mail."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from prizes.accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import make_user

LINK = re.compile(r"http://127\.0\.0\.1:5000(/\S+)")


def _link(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _count_users(db) -> int:
    return db.scalar(select(func.count(User.id)))


def test_register_verify_and_sign_in(client, db, outbox):
    response = client.post_form(
        "/register", {"email": "new@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    link = _link(outbox()[0])
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert client.post(link).status_code == 400  # without the page's CSRF token
    verify = client.post_form(link)
    assert verify.status_code == 302 and verify.location.endswith("/login")
    used = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "expired or was already used" in used
    response = client.login("new@example.org")
    assert response.location == "/"
    assert "new@example.org" in client.get("/").get_data(as_text=True)


def test_registering_a_known_address_answers_the_same(client, db, outbox):
    make_user(email="known@example.org")
    db.commit()
    answers = []
    for email in ("known@example.org", "fresh@example.org"):
        response = client.post_form(
            "/register", {"email": email, "password": PASSWORD, "confirm": PASSWORD}
        )
        page = response.get_data(as_text=True).replace(email, "EMAIL")
        # The header's language switcher carries a CSRF token, signed with the time: it
        # differs from one second to the next, whoever registers.
        answers.append(re.sub(r'name="csrf_token"[^>]*>', "TOKEN", page))
    assert answers[0] == answers[1]
    assert sorted(m["Subject"] for m in outbox()) == [
        "Confirm your email address",
        "Someone tried to register with your address",
    ]


def test_bad_registration_input_is_refused_with_messages_and_writes_nothing(client, db):
    cases = [
        {"email": "not-an-email", "password": PASSWORD, "confirm": PASSWORD},
        {"email": "a@example.org", "password": "short", "confirm": "short"},
        {"email": "a@example.org", "password": PASSWORD, "confirm": "different words here"},
        {"email": "a@example.org", "password": "x" * 500, "confirm": "x" * 500},
        {"email": ("x" * 300) + "@example.org", "password": PASSWORD, "confirm": PASSWORD},
        {"email": "throwaway@mailinator.com", "password": PASSWORD, "confirm": PASSWORD},
        {},
    ]
    for data in cases:
        response = client.post_form("/register", data)
        assert response.status_code == 422, data
        assert 'class="error"' in response.get_data(as_text=True)
    assert _count_users(db) == 0


def test_disposable_domain_gets_a_clear_message(client):
    response = client.post_form(
        "/register", {"email": "x@mailinator.com", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert "throw-away mail services" in response.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(client, db):
    response = client.post(
        "/register", data={"email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 400
    assert _count_users(db) == 0


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db):
    make_user(email="who@example.org")
    db.commit()
    wrong_password = client.post_form(
        "/login", {"email": "who@example.org", "password": "nope nope nope"}
    )
    unknown_email = client.post_form(
        "/login", {"email": "nobody@example.org", "password": "nope nope nope"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert "The email or password is not right." in wrong_password.get_data(as_text=True)
    # The pages differ only in the address typed (and the CSRF token, signed with a timestamp
    # that may cross a second between the two requests).
    assert _without_csrf(wrong_password).replace("who@", "X@") == _without_csrf(
        unknown_email
    ).replace("nobody@", "X@")


def _without_csrf(response) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", response.get_data(as_text=True))


def test_login_follows_only_local_next_urls(client, db):
    make_user(email="nx@example.org")
    db.commit()
    for target, expected in [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
    ]:
        client.post_form("/logout")
        response = client.post_form(
            f"/login?next={target}", {"email": "nx@example.org", "password": PASSWORD}
        )
        assert response.location == expected


def test_remember_me_sets_a_lasting_cookie(client, db):
    make_user(email="rem@example.org")
    db.commit()
    client.post_form("/login", {"email": "rem@example.org", "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


def test_logout_needs_a_post(client, login_as):
    login_as("voter")
    assert client.get("/logout").status_code == 405
    client.post_form("/logout")
    assert client.get("/account").status_code == 302


def test_password_reset_by_mail_signs_out_other_sessions(app, client, db, outbox):
    make_user(email="lost@example.org")
    db.commit()
    other_device = app.test_client()
    other_device.login("lost@example.org")
    assert other_device.get("/account").status_code == 200

    response = client.post_form("/password/forgot", {"email": "lost@example.org"})
    assert "Check your mail" in response.get_data(as_text=True)
    link = _link(outbox()[0])
    assert client.get(link).status_code == 200
    new = "a long new passphrase"
    response = client.post_form(link, {"password": new, "confirm": new})
    assert response.status_code == 302 and response.location.endswith("/login")

    assert other_device.get("/account").status_code == 302  # that session ended
    client.login("lost@example.org", new)
    used_again = client.get(link)
    assert used_again.status_code == 302 and "/password/forgot" in used_again.location


def test_forgot_password_answers_the_same_for_unknown_addresses(client, outbox):
    response = client.post_form("/password/forgot", {"email": "ghost@example.org"})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert outbox() == []


def test_resend_verification(client, db, outbox):
    make_user(email="slow@example.org", verified=False)
    db.commit()
    response = client.post_form("/verify/resend", {"email": "slow@example.org"})
    assert response.status_code == 200
    assert outbox()[0]["Subject"] == "Confirm your email address"


def test_profile_is_completed_and_validated(client, login_as, db):
    user = login_as("voter", profile=False)
    bad = client.post_form(
        "/account", {"organisation_name": "", "organisation_type": "spaceship", "country": "XX"}
    )
    assert bad.status_code == 422
    good = client.post_form(
        "/account",
        {
            "organisation_name": "ITU",
            "organisation_type": "international_organisation",
            "country": "CH",
        },
    )
    assert good.status_code == 302
    db.refresh(user)
    assert user.has_complete_profile and user.country == "CH"


def test_a_verified_user_can_choose_to_nominate(client, login_as, db):
    user = login_as("voter")
    assert client.get("/projects/mine").status_code == 403
    assert client.post_form("/account/stakeholder").status_code == 302
    assert client.get("/projects/mine").status_code == 200
    db.refresh(user)


def test_script_traps_refuse_registration_without_saying_why(app, client, db, outbox):
    data = {"email": "bot@example.org", "password": PASSWORD, "confirm": PASSWORD}
    trapped = client.post_form("/register", {**data, "nickname": "i am a script"})
    no_clock = client.post(
        "/register",
        data={
            **data,
            "csrf_token": client.hidden_fields()["csrf_token"],
            "altcha": client.proof_of_work(),
        },
    )
    forged = client.post_form("/register", {**data, "started": "forged"})
    for response in (trapped, no_clock, forged):
        assert response.status_code == 200
        assert "Check your mail" in response.get_data(as_text=True)
    assert _count_users(db) == 0
    assert outbox() == []


_STARTED = re.compile(r'name="started" type="hidden" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_a_form_sent_too_fast_is_shown_again_never_a_false_success(
    app, client, db, outbox, monkeypatch
):
    """A password manager fills the form in under the minimum: the person is asked to check
    and send again (with the address kept and a fresh proof of work), and told no lie."""
    monkeypatch.setitem(app.config, "REGISTRATION_MIN_SECONDS", 3)
    data = {"email": "quick@example.org", "password": PASSWORD, "confirm": PASSWORD}
    proof = client.proof_of_work()
    too_fast = client.post("/register", data={**client.hidden_fields(), **data, "altcha": proof})
    page = too_fast.get_data(as_text=True)
    assert too_fast.status_code == 200
    assert "Check your mail" not in page
    assert "Nothing is sent yet" in page and "Please check and send again" in page
    assert 'value="quick@example.org"' in page
    assert PASSWORD not in page  # the passwords are not written back into the page
    assert "<altcha-widget" in page  # the proof of work is asked again
    assert _count_users(db) == 0
    assert outbox() == []

    # Sent again from that page, a moment later: the spent proof is refused, a fresh one
    # passes and the account is made.
    monkeypatch.setitem(app.config, "REGISTRATION_MIN_SECONDS", 0)
    again = {
        "csrf_token": _CSRF.search(page).group(1),
        "started": _STARTED.search(page).group(1),
        **data,
    }
    replayed = client.post("/register", data={**again, "altcha": proof})
    assert replayed.status_code == 422
    assert "already used" in replayed.get_data(as_text=True)
    assert _count_users(db) == 0
    sent = client.post("/register", data={**again, "altcha": client.proof_of_work()})
    assert sent.status_code == 200
    assert "Check your mail" in sent.get_data(as_text=True)
    assert _count_users(db) == 1
    assert len(outbox()) == 1


def test_a_page_left_open_past_its_clock_is_shown_again(app, client, db, outbox):
    """A start time older than the clock is kept (a tab left open for days) is a person's,
    not a script's: the form again, nothing sent, nothing pretended."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class ThreeDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - 3 * 24 * 3600

    clock = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="prizes.form-started", signer=ThreeDaysAgo
    )
    old = clock.dumps(0)
    response = client.post_form(
        "/register",
        {"email": "slow@example.org", "password": PASSWORD, "confirm": PASSWORD, "started": old},
    )
    assert response.status_code == 200
    assert "Please check and send again" in response.get_data(as_text=True)
    assert _count_users(db) == 0 and outbox() == []


def test_mailed_links_ignore_a_forged_host_header(app, db, outbox):
    make_user(email="victim@example.org")
    db.commit()
    forged = app.test_client()
    forged.environ_base["HTTP_HOST"] = "evil.example"
    forged.post_form("/password/forgot", {"email": "victim@example.org"})
    body = outbox()[0].get_content()
    assert "evil.example" not in body
    assert "http://127.0.0.1:5000/password/reset/" in body


def test_common_passwords_are_refused(client, db):
    for password in ("Password123", "qwertyuiop", "WSISPRIZES"):
        response = client.post_form(
            "/register", {"email": "c@example.org", "password": password, "confirm": password}
        )
        assert response.status_code == 422
        assert "among the most used" in response.get_data(as_text=True)
    assert _count_users(db) == 0


def test_signing_in_starts_a_fresh_session(client, db):
    make_user(email="fresh@example.org")
    db.commit()
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    client.login("fresh@example.org")
    with client.session_transaction() as after:
        assert "planted" not in after and after["_user_id"]


def test_sessions_end_after_inactivity_and_after_their_lifetime(app, client, db):
    make_user(email="idle@example.org")
    db.commit()
    client.login("idle@example.org")
    assert client.get("/account").status_code == 200
    with client.session_transaction() as stored:
        stored["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.location
    client.login("idle@example.org")
    with client.session_transaction() as stored:
        stored["signed_in_at"] -= app.config["SESSION_ABSOLUTE_HOURS"] * 3600 + 5
    assert client.get("/account").status_code == 302


def test_a_remembered_session_survives_inactivity(app, client, db):
    make_user(email="kept@example.org")
    db.commit()
    client.post_form("/login", {"email": "kept@example.org", "password": PASSWORD, "remember": "y"})
    with client.session_transaction() as stored:
        stored["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    assert client.get("/account").status_code == 200


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app, client, db):
    make_user(email="change@example.org")
    db.commit()
    other = app.test_client()
    other.login("change@example.org")
    client.login("change@example.org")
    new = "a completely new passphrase"
    wrong = client.post_form(
        "/account/password", {"current": "not it at all", "password": new, "confirm": new}
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    done = client.post_form(
        "/account/password", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert done.status_code == 302
    assert client.get("/account").status_code == 200  # this device stays in
    assert other.get("/account").status_code == 302  # the other is out
    client.post_form("/logout")
    client.login("change@example.org", new)


def test_changing_the_email_goes_through_a_link_to_the_new_address(client, db, outbox):
    user = make_user(email="old@example.org")
    make_user(email="taken@example.org")
    db.commit()
    client.login("old@example.org")
    wrong = client.post_form(
        "/account/email", {"current": "nope nope nope", "email": "new@example.org"}
    )
    assert wrong.status_code == 422
    taken = client.post_form("/account/email", {"current": PASSWORD, "email": "taken@example.org"})
    assert taken.status_code == 200 and outbox() == []  # same answer, nothing sent
    client.post_form("/account/email", {"current": PASSWORD, "email": "new@example.org"})
    [message] = outbox()
    assert message["To"] == "new@example.org"
    db.refresh(user)
    assert user.email == "old@example.org"  # nothing changes before the link is opened
    link = _link(message)
    page = client.get(link)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    db.refresh(user)
    assert user.email == "old@example.org"  # opening the link changes nothing
    assert client.post_form(link).status_code == 302
    db.refresh(user)
    assert user.email == "new@example.org"
    assert any(m["To"] == "old@example.org" for m in outbox())  # the old address is told
    assert "expired or was already used" in client.get(link, follow_redirects=True).get_data(
        as_text=True
    )


def test_opening_a_verification_link_changes_nothing_until_the_button_is_pressed(
    client, db, outbox
):
    """Mail scanners and prefetching browsers open links: a GET must not verify."""
    user = make_user(email="later@example.org", verified=False)
    db.commit()
    client.post_form("/verify/resend", {"email": "later@example.org"})
    link = _link(outbox()[0])
    for _ in range(2):
        assert client.get(link).status_code == 200
        assert client.head(link).status_code == 200
    db.refresh(user)
    assert user.email_verified_at is None
    assert client.post_form(link).status_code == 302
    db.refresh(user)
    assert user.email_verified_at is not None
    assert client.post_form(link).status_code == 302  # used: sent to ask for a new one
    forged = client.get("/verify/forged-token")
    assert forged.status_code == 302 and forged.location.endswith("/verify")


def test_the_proof_of_work_is_asked_at_registration(client, db):
    page = client.get("/register").get_data(as_text=True)
    assert "<altcha-widget" in page and "/pow/challenge" in page
    assert "needs JavaScript" in page  # what a browser without it shows, in <noscript>
    data = {"email": "person@example.org", "password": PASSWORD, "confirm": PASSWORD}
    missing = client.post_form("/register", {**data, "altcha": ""})
    garbage = client.post_form("/register", {**data, "altcha": "not a solution"})
    for response, reason in ((missing, "needs JavaScript"), (garbage, "failed")):
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert reason in text and 'id="altcha-error"' in text and "Check your mail" not in text
    solved = client.proof_of_work()
    assert client.post_form("/register", {**data, "altcha": solved}).status_code == 200
    replayed = client.post_form(
        "/register", {**data, "email": "second@example.org", "altcha": solved}
    )
    assert replayed.status_code == 422
    assert "already used" in replayed.get_data(as_text=True)
    assert db.scalar(select(User.email).where(User.email == "second@example.org")) is None
    assert _count_users(db) == 1


def test_an_expired_proof_of_work_is_refused_at_registration(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "POW_EXPIRES_SECONDS", -5)
    stale = client.proof_of_work()
    monkeypatch.setitem(app.config, "POW_EXPIRES_SECONDS", 300)
    data = {"email": "late@example.org", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post_form("/register", {**data, "altcha": stale})
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert _count_users(db) == 0


def test_the_registration_check_can_be_switched_off(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_PROOF_OF_WORK", False)
    assert "<altcha-widget" not in client.get("/register").get_data(as_text=True)
    data = {"email": "nocheck@example.org", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post_form("/register", {**data, "altcha": ""}).status_code == 200
    assert _count_users(db) == 1
