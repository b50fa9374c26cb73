"""The secretariat's console in a real browser: the audit trail and the outbox's resend."""

from __future__ import annotations

from email.utils import make_msgid

from sqlalchemy import select

from prizes.accounts import services
from prizes.core.clock import now
from prizes.core.mail import MailStatus, OutgoingMail
from prizes.db import db
from tests.e2e.test_journeys import PASSWORD, _shot


def _sign_in(live_server, page, email: str) -> int:
    with live_server.app.app_context():
        user_id = services.create_admin(email=email, password=PASSWORD, now=now()).id
        db.session.commit()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Secretariat").click()
    return user_id


def test_the_secretariat_filters_the_audit_trail(live_server, page):
    user_id = _sign_in(live_server, page, "trail.keeper@example.org")
    page.get_by_role("link", name="Audit trail: who changed what, and when; CSV export").click()
    # The account was made from the command line: the site itself granted the role.
    page.get_by_label("Actor").fill("system")
    page.get_by_label("Action").select_option("user.role_granted")
    page.get_by_label("Kind of object").select_option("users")
    page.get_by_label("Object number").fill(str(user_id))
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "user.role_granted" in rows.first.inner_text()
    _shot(page, "admin-audit-trail")
    # A date the date picker would not send, typed into the address bar.
    page.goto(page.url.replace("from=", "from=31-12-2026"))
    assert "must be a date written YYYY-MM-DD" in page.content()


def test_the_secretariat_resends_a_failed_mail(live_server, page):
    with live_server.app.app_context():
        moment = now()
        mail = OutgoingMail(
            message_id=make_msgid(domain="wsis-prizes"),
            recipient="lost.letter@example.org",
            subject="Confirm your email address",
            body="The link that never arrived.",
            status=MailStatus.FAILED,
            created_at=moment,
            next_attempt_at=moment,
            attempts=6,
            last_error="ConnectionRefusedError(111, 'Connection refused')",
        )
        db.session.add(mail)
        db.session.commit()
        mail_id = mail.id
    _sign_in(live_server, page, "mail.keeper@example.org")
    page.get_by_role("link", name="Outbox: every mail and its state").click()
    page.get_by_role("link", name="failed").click()
    row = page.locator(f"#mail-{mail_id}")
    assert "lost.letter@example.org" in row.inner_text()
    row.get_by_role("button", name="Resend").click()
    page.get_by_text("The mail is waiting to be sent again.").wait_for()
    _shot(page, "admin-outbox-resent")
    with live_server.app.app_context():
        sent = db.session.scalar(select(OutgoingMail).where(OutgoingMail.id == mail_id))
        assert sent is not None and sent.status is MailStatus.SENT
