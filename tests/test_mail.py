"""Mail through a real SMTP server on loopback, and the offline outbox."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from prizes.accounts import services
from prizes.core import outbox
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.mail import MailStatus, OutgoingMail
from tests.conftest import PASSWORD, free_port


class Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(app, monkeypatch):
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    yield collector
    controller.stop()


def test_verification_mail_goes_through_smtp(db, smtp_server, outbox):
    services.register_user(email="smtp@example.org", password=PASSWORD, now=now())
    db.commit()
    [message] = smtp_server.messages
    assert message["To"] == "smtp@example.org"
    assert message["Subject"] == "Confirm your email address"
    assert "/verify/" in message.get_payload(decode=True).decode()
    assert outbox() == []  # with a mail server, nothing is kept offline


def test_a_failing_mail_server_does_not_undo_the_registration(app, db, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    registration = services.register_user(email="down@example.org", password=PASSWORD, now=now())
    db.commit()
    assert registration.user.id is not None
    assert "job send_mail failed" in caplog.text
    failure = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.failed"))
    assert failure is not None and failure.data["task"] == "send_mail"
    # Kept in the outbox for a retry, which the worker's sweep makes when it is due.
    mail = db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "down@example.org"))
    assert mail.status is MailStatus.PENDING and mail.attempts == 1
    assert "Connection refused" in mail.last_error and mail.next_attempt_at > now()


def test_a_mail_is_recorded_with_its_cause_and_sent_once_with_one_message_id(
    app, db, smtp_server, monkeypatch
):
    port = app.config["MAIL_URL"]
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    services.register_user(email="retry@example.org", password=PASSWORD, now=now())
    db.rollback()  # the cause undone: no mail
    assert (
        db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "retry@example.org")) is None
    )
    services.register_user(email="retry@example.org", password=PASSWORD, now=now())
    db.commit()  # the first attempt meets a closed port
    mail = db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "retry@example.org"))
    assert mail.status is MailStatus.PENDING and smtp_server.messages == []
    monkeypatch.setitem(app.config, "MAIL_URL", port)
    assert outbox.sweep(moment=mail.next_attempt_at) == 1
    assert outbox.sweep(moment=mail.next_attempt_at) == 0  # nothing left: never twice
    assert outbox.send(mail.id) is False
    [message] = smtp_server.messages
    db.expire_all()
    assert message["Message-ID"] == mail.message_id
    assert mail.status is MailStatus.SENT and mail.body is None and mail.attempts == 2
