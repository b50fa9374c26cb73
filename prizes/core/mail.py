"""Outgoing mail: a transactional outbox, sent by the worker, never twice.

``queue()`` renders the message and adds it to the ``outgoing_mails`` table in the caller's
transaction: the mail exists exactly when the action that caused it committed, whatever
becomes of Redis or the worker. After the commit, ``mail_recorded`` tells the job queue
(``prizes.jobs`` listens), which sends it at once; a mail whose job was lost, or whose
queue was down, is found again by the worker's sweep (``prizes.core.outbox``).

With ``PRIZES_MAIL_URL`` set (``smtp://``, ``smtp+starttls://`` or ``smtps://``, with
optional ``user:password@``), messages go over SMTP. Without it they are written to the log
and to ``instance/outbox/`` as ``.eml`` files, so the demo works offline.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from blinker import Namespace
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from prizes.core.clock import now
from prizes.core.i18n import current_language, supported
from prizes.db import Base, UTCDateTime, enum_type

log = logging.getLogger(__name__)

_PENDING = "prizes.pending_mail"
_RECORDED = "prizes.recorded_mail_ids"

mail_recorded = Namespace().signal("mail-recorded")
"""Sent after a commit that recorded mail, with ``mail_ids``: the job queue sends them."""


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (again, after a failed attempt)
    SENDING = "sending"  # a worker holds it until lease_until
    SENT = "sent"  # the mail server accepted it (or it is in the offline outbox)
    # The worker died after handing it to the mail server and before hearing the answer:
    # it may have arrived, so it is not sent again (never twice; docs/durability.md).
    UNCONFIRMED = "unconfirmed"
    FAILED = "failed"  # every attempt failed, or the server refused it for good

    @property
    def label(self) -> str:
        """The state as the secretariat reads it on the outbox screen."""
        return str(_MAIL_STATUS_LABELS[self])


_MAIL_STATUS_LABELS = {
    MailStatus.PENDING: _l("waiting"),
    MailStatus.SENDING: _l("being sent"),
    MailStatus.SENT: _l("sent"),
    MailStatus.UNCONFIRMED: _l("unconfirmed"),
    MailStatus.FAILED: _l("failed"),
}


class OutgoingMail(Base):
    """One mail, from the commit of its cause to the mail server's acceptance.

    The body (which may hold a sign-in link) is erased once the mail is sent; the rest stays
    as the record the secretariat reads on the outbox screen."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept from the first attempt to the last: a retry is the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(
        enum_type(MailStatus, "mail_status"), default=MailStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def to(self) -> str:
        return self.recipient


def queue(
    session: Session,
    *,
    to: str,
    subject: Any,
    template: str,
    language: str | None = None,
    **context: Any,
) -> OutgoingMail:
    """Render ``templates/mail/<template>.txt`` and record it in ``session``'s transaction;
    it is sent once that commits, and never if it rolls back.

    Subject and body are written in ``language``, the recipient's (their profile's, or for
    an address with no account yet the language of the page that caused the mail); pass
    the subject as a lazy string so it is translated here too. An unknown language gives
    English."""
    with force_locale(supported(language) or current_language()):
        subject = " ".join(str(subject).split())  # a header is one line, whatever it holds
        body = render_template(f"mail/{template}.txt", **context)
    moment = now()
    mail = OutgoingMail(
        message_id=make_msgid(domain="wsis-prizes"),
        recipient=to,
        subject=subject,
        body=body,
        status=MailStatus.PENDING,
        created_at=moment,
        next_attempt_at=moment,
        attempts=0,
    )
    session.add(mail)
    send_after_commit(session, mail)
    return mail


def send_after_commit(session: Session, mail: OutgoingMail) -> None:
    """Hand ``mail`` to the sender once ``session`` commits (never if it rolls back): a new
    mail, or one put back to waiting by the secretariat."""
    session.info.setdefault(_PENDING, []).append(mail)


def discard_pending(session: Session) -> None:
    """Forget the mail queued in ``session`` and not yet committed (the demo's sign-ups)."""
    for mail in session.info.pop(_PENDING, []):
        if mail in session:
            session.expunge(mail)


@event.listens_for(Session, "before_commit")
def _note_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()
        session.info.setdefault(_RECORDED, []).extend(mail.id for mail in pending)


@event.listens_for(Session, "after_commit")
def _announce_recorded(session: Session) -> None:
    """The mail is in the database: hand its ids to whoever sends (the job queue)."""
    ids = session.info.pop(_RECORDED, None)
    if ids:
        try:
            mail_recorded.send(current_app._get_current_object(), mail_ids=ids)  # type: ignore[attr-defined]
        except Exception:  # recorded is enough: the sweep sends what was not handed on
            log.exception("mail %s recorded; the sweep will send it", ids)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_RECORDED, None)


def build(mail: OutgoingMail) -> EmailMessage:
    """The message as it goes out; the same Message-ID and Date on every attempt."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = mail.recipient
    email["Subject"] = mail.subject
    email["Date"] = format_datetime(mail.created_at)
    email["Message-ID"] = mail.message_id
    email.set_content(mail.body or "")
    return email


class MaybeDelivered(Exception):
    """The connection failed after the message was handed over: it may have arrived."""


def deliver(mail: OutgoingMail, *, handing_over: Callable[[], None]) -> None:
    """Send one mail. ``handing_over()`` is called just before the message itself goes to
    the mail server (after its sender and recipient were accepted); an error after that
    point raises :class:`MaybeDelivered`, any earlier one means it was not sent."""
    email = build(mail)
    config = current_app.config
    if config.get("MAIL_URL"):
        _send_smtp(config["MAIL_URL"], email, handing_over)
    else:
        _write_outbox(Path(config["MAIL_OUTBOX_DIR"]), email, mail)


def _send_smtp(url: str, email: EmailMessage, handing_over: Callable[[], None]) -> None:
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
    sender = parseaddr(str(email["From"]))[1]
    recipient = parseaddr(str(email["To"]))[1]
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.ehlo_or_helo_if_needed()
        options = []
        if not (sender + recipient).isascii():
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        code, reply = client.mail(sender, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        handing_over()
        try:
            code, reply = client.data(email.as_bytes(policy=policy.SMTP))
        except smtplib.SMTPResponseException:
            raise  # the server answered no: not accepted
        except (OSError, smtplib.SMTPException) as error:
            raise MaybeDelivered(repr(error)) from error
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)


def _write_outbox(outbox: Path, email: EmailMessage, mail: OutgoingMail) -> None:
    """One file per mail, named by its id: a second attempt rewrites it, never adds one."""
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{mail.created_at:%Y%m%dT%H%M%S%f}-{mail.id:08d}.eml"
    partial = outbox / f".{name}.part"
    partial.write_bytes(bytes(email))
    partial.replace(outbox / name)
    log.info(
        "mail (outbox %s) to %s: %s\n%s", name, email["To"], email["Subject"], email.get_content()
    )


def read_outbox(limit: int = 50) -> list[EmailMessage]:
    """The newest messages of the offline outbox, newest first (the demo's mailbox)."""
    from email.parser import BytesParser

    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in files]
