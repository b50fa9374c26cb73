"""The secretariat's outbox: the state filter, and sending a mail again."""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select

from prizes.core import outbox as mail_outbox
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.mail import MailStatus, OutgoingMail
from tests.dbstate import database_state


def make_mail(db, status: MailStatus, *, body: str | None = "Your link: https://x/1", **more):
    moment = now() - timedelta(hours=1)
    mail = OutgoingMail(
        message_id=make_msgid(domain="wsis-prizes"),
        recipient=more.pop("recipient", "someone@example.org"),
        subject="Confirm your email address",
        body=body,
        status=status,
        created_at=moment,
        next_attempt_at=moment,
        attempts=more.pop("attempts", 6 if status is MailStatus.FAILED else 1),
        **more,
    )
    db.add(mail)
    db.commit()
    return mail


def resend(client, mail, **data):
    return client.post_form(f"/admin/outbox/{mail.id}/resend", data)


def audited(db, action: str, mail: OutgoingMail) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == "outgoing_mails",
                AuditEvent.object_id == mail.id,
            )
        )
    )


# --- the list ----------------------------------------------------------------------------


def test_the_outbox_filters_by_state(client, db, login_as):
    login_as("secretariat")
    failed = make_mail(db, MailStatus.FAILED, recipient="failed.one@example.org")
    make_mail(db, MailStatus.SENT, body=None, recipient="sent.one@example.org")
    page = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "failed.one@example.org" in page and "sent.one@example.org" not in page
    assert f'id="mail-{failed.id}"' in page
    assert f"/admin/outbox/{failed.id}/resend" in page  # a failed mail has its button
    everything = client.get("/admin/outbox").get_data(as_text=True)
    assert (
        "sent.one@example.org" in everything and 'href="/admin/outbox?state=failed"' in everything
    )


@pytest.mark.parametrize("state", ["lost", "FAILED", "failed'--", "x" * 500])
def test_an_unknown_state_is_a_400_that_names_the_states(client, db, login_as, state):
    login_as("secretariat")
    response = client.get("/admin/outbox", query_string={"state": state})
    assert response.status_code == 400
    assert "the states are: pending, sending, sent, unconfirmed, failed" in response.get_data(
        as_text=True
    )


def test_each_mail_links_to_its_history(client, db, login_as):
    login_as("secretariat")
    mail = make_mail(db, MailStatus.UNCONFIRMED)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/audit?object_type=outgoing_mails&amp;object_id={mail.id}" in page


# --- a failed mail -----------------------------------------------------------------------


def test_a_failed_mail_is_queued_again_and_the_worker_sends_it(client, db, login_as, outbox):
    secretariat = login_as("secretariat")
    mail = make_mail(db, MailStatus.FAILED, last_error="ConnectionRefusedError(111)")
    response = resend(client, mail)
    assert response.status_code == 302 and response.location == "/admin/outbox"
    db.expire_all()
    # The job queue sent it once the request committed (JOBS_IMMEDIATE), as the same message.
    [message] = outbox()
    assert message["Message-ID"] == mail.message_id and message["To"] == "someone@example.org"
    assert mail.status is MailStatus.SENT and mail.body is None and mail.attempts == 1
    [row] = audited(db, "mail.requeued", mail)
    assert row.actor_id == secretariat.id
    assert row.data == {"attempts": 6, "last_error": "ConnectionRefusedError(111)"}
    assert mail.last_error is None  # the outbox shows this round of attempts


def test_a_requeued_mail_whose_job_was_lost_is_sent_by_the_sweep(
    app, client, db, login_as, outbox, monkeypatch
):
    login_as("secretariat")
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setattr("prizes.core.mail.mail_recorded.send", lambda *a, **k: None)
    mail = make_mail(db, MailStatus.FAILED)
    assert resend(client, mail).status_code == 302
    db.expire_all()
    assert mail.status is MailStatus.PENDING and mail.attempts == 0 and outbox() == []
    assert mail_outbox.sweep(moment=now()) == 1
    db.expire_all()
    assert mail.status is MailStatus.SENT and len(outbox()) == 1


# --- a mail that may have arrived --------------------------------------------------------


def test_an_unconfirmed_mail_is_sent_again_only_after_confirmation(client, db, login_as, outbox):
    secretariat = login_as("secretariat")
    mail = make_mail(db, MailStatus.UNCONFIRMED, handed_at=now() - timedelta(minutes=50))
    before = database_state(db)
    asked = resend(client, mail)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "it may have arrived" in page
    assert 'name="confirm" value="yes"' in page
    assert database_state(db).changed_tables(before) == []  # nothing done yet
    done = resend(client, mail, confirm="yes")
    assert done.status_code == 302
    db.expire_all()
    copy = db.scalar(
        select(OutgoingMail).where(
            OutgoingMail.recipient == mail.recipient, OutgoingMail.id != mail.id
        )
    )
    assert copy is not None and copy.message_id != mail.message_id
    assert copy.status is MailStatus.SENT and mail.status is MailStatus.UNCONFIRMED
    [message] = outbox()
    assert message["Message-ID"] == copy.message_id
    [row] = audited(db, "mail.resent", mail)
    assert row.actor_id == secretariat.id and row.data == {"copy_id": copy.id}


def test_a_delivered_mail_with_its_text_asks_before_a_copy(client, db, login_as):
    login_as("secretariat")
    mail = make_mail(db, MailStatus.SENT, sent_at=now() - timedelta(minutes=5))
    asked = resend(client, mail)
    assert asked.status_code == 200
    assert "already delivered to the mail server on" in asked.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(OutgoingMail)) == 1


def test_a_sent_mail_whose_text_is_erased_cannot_be_resent(client, db, login_as):
    login_as("secretariat")
    mail = make_mail(db, MailStatus.SENT, body=None, sent_at=now())
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/outbox/{mail.id}/resend" not in page and "cannot be sent again" in page
    before = database_state(db)
    for data in ({}, {"confirm": "yes"}):
        refused = resend(client, mail, **data)
        assert refused.status_code == 409
        assert "its text is erased" in refused.get_data(as_text=True)
    assert database_state(db).changed_tables(before) == []


@pytest.mark.parametrize("status", [MailStatus.PENDING, MailStatus.SENDING])
def test_a_mail_still_waiting_is_not_queued_twice(client, db, login_as, status):
    login_as("secretariat")
    mail = make_mail(db, status)
    before = database_state(db)
    refused = resend(client, mail, confirm="yes")
    assert refused.status_code == 409
    assert "waiting to be sent already" in refused.get_data(as_text=True)
    assert database_state(db).changed_tables(before) == []


def test_a_resend_needs_the_form_token_and_a_real_mail(client, db, login_as):
    login_as("secretariat")
    mail = make_mail(db, MailStatus.FAILED)
    assert client.post(f"/admin/outbox/{mail.id}/resend").status_code == 400  # no CSRF token
    assert resend(client, mail, confirm="maybe").status_code == 400
    assert client.post_form("/admin/outbox/2147483647/resend").status_code == 404
    db.expire_all()
    assert mail.status is MailStatus.FAILED


@pytest.mark.parametrize("role", ["voter", "stakeholder", "expert"])
def test_only_the_secretariat_resends(client, db, login_as, role):
    mail = make_mail(db, MailStatus.FAILED)
    login_as(role)
    assert resend(client, mail).status_code == 403
    assert client.get("/admin/outbox?state=failed").status_code == 403
    db.expire_all()
    assert mail.status is MailStatus.FAILED


def test_anonymous_resend_is_sent_to_sign_in(client, db):
    mail = make_mail(db, MailStatus.FAILED)
    response = resend(client, mail)
    assert response.status_code == 302 and "/login" in response.location
    db.expire_all()
    assert mail.status is MailStatus.FAILED
