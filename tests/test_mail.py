"""Mail through a real SMTP server on loopback, and the offline outbox."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from prizes.accounts import services
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
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
    assert "job deliver_mail failed" in caplog.text
    failure = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.failed"))
    assert failure is not None and failure.data["task"] == "deliver_mail"
