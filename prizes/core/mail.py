"""Outgoing mail, sent only after the transaction that caused it commits.

With ``PRIZES_MAIL_URL`` set (``smtp://``, ``smtp+starttls://`` or ``smtps://``, with
optional ``user:password@``), messages go over SMTP. Without it they are written to the log
and to ``instance/outbox/`` as ``.eml`` files, so the demo works offline.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

from prizes.core.clock import now

log = logging.getLogger(__name__)

_PENDING = "prizes.pending_mail"


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def queue(session: Session, *, to: str, subject: str, template: str, **context: Any) -> Message:
    """Render ``templates/mail/<template>.txt`` and send it once ``session`` commits."""
    subject = " ".join(subject.split())  # a header is one line, whatever a title holds
    message = Message(
        to=to, subject=subject, body=render_template(f"mail/{template}.txt", **context)
    )
    session.info.setdefault(_PENDING, []).append(message)
    return message


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    """Hand each message to the job queue, so no request waits on the mail server."""
    from prizes.jobs import deliver_mail

    for message in session.info.pop(_PENDING, []):
        try:
            deliver_mail(message.to, message.subject, message.body)
        except Exception:  # the user's action stands; the mail is logged as failed
            log.exception("mail to %s failed", message.to)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def deliver(message: Message) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now())
    email["Message-ID"] = make_msgid(domain="wsis-prizes")
    email.set_content(message.body)
    if config.get("MAIL_URL"):
        _send_smtp(config["MAIL_URL"], email)
    else:
        _write_outbox(Path(config["MAIL_OUTBOX_DIR"]), email)


def _send_smtp(url: str, email: EmailMessage) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=20, context=ssl.create_default_context()
        )
    elif parts.scheme in {"smtp", "smtp+starttls"}:
        client = smtplib.SMTP(host, port or 25, timeout=20)
    else:
        raise ValueError(f"unsupported mail URL scheme {parts.scheme!r}")
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(email)


def _write_outbox(outbox: Path, email: EmailMessage) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    (outbox / name).write_bytes(bytes(email))
    log.info(
        "mail (outbox %s) to %s: %s\n%s", name, email["To"], email["Subject"], email.get_content()
    )


def read_outbox(limit: int = 50) -> list[EmailMessage]:
    """The newest messages of the offline outbox, newest first (the demo's mailbox)."""
    from email import policy
    from email.parser import BytesParser

    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in files]
