"""Sending the outbox: each mail claimed under a lease, sent, and marked, each step committed.

The steps of one attempt, each its own short transaction on a session of its own:

1. claim: ``pending`` and due -> ``sending`` until ``lease_until`` (one conditional UPDATE,
   so of two workers, or a job and the sweep, only one sends);
2. the mail server accepts the sender and the recipient; then ``handed_at`` is recorded;
3. the message goes over; on the server's 250 it is ``sent`` and its body erased.

A worker killed in step 1 or 2 leaves a lease that expires; the sweep puts the mail back to
``pending`` and it is sent again (nothing had left). Killed in step 3, it cannot be known
whether the server took the message: the mail becomes ``unconfirmed`` and is never sent
again (a retry never sends twice; docs/durability.md says why this side of the window).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from prizes.core import audit
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.mail import (
    MailStatus,
    MaybeDelivered,
    OutgoingMail,
    deliver,
    send_after_commit,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30
SWEEP_GRACE_SECONDS = 10  # a fresh mail is its job's to send first
SWEEP_BATCH = 200


def new_session() -> Session:
    """A session of its own: the caller's may be mid-commit when a job runs at once."""
    return current_app.extensions["prizes.db"].session_factory()


def send(mail_id: int, *, moment: datetime | None = None) -> bool:
    """One attempt at one mail; True when this call sent it. Raises when the attempt failed
    (after recording it), so the job queue logs and audits the failure. ``moment`` is when
    it is due by (the sweep's clock)."""
    session = new_session()
    try:
        mail = _claim(session, mail_id, moment=moment or now())
        if mail is None:
            return False  # sent already, held by another worker, or not due
        try:

            def handing_over() -> None:
                session.execute(
                    update(OutgoingMail).where(OutgoingMail.id == mail_id).values(handed_at=now())
                )
                session.commit()

            deliver(mail, handing_over=handing_over)
        except MaybeDelivered as error:
            session.rollback()
            _settle(session, mail_id, status=MailStatus.UNCONFIRMED, error=str(error))
            raise
        except Exception as error:
            session.rollback()
            _failed_attempt(session, mail_id, error=repr(error))
            raise
        session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id)
            .values(status=MailStatus.SENT, sent_at=now(), body=None, lease_until=None)
        )
        session.commit()
        return True
    finally:
        session.close()


def _claim(session: Session, mail_id: int, *, moment: datetime) -> OutgoingMail | None:
    lease = moment + timedelta(seconds=float(current_app.config["MAIL_LEASE_SECONDS"]))
    claimed = session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.status == MailStatus.PENDING,
            OutgoingMail.next_attempt_at <= moment,
        )
        .values(
            status=MailStatus.SENDING,
            lease_until=lease,
            attempts=OutgoingMail.attempts + 1,
            handed_at=None,
        )
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        return None
    mail = session.get(OutgoingMail, mail_id)
    if mail is not None:
        # Read now and kept apart from the session: no transaction (and on SQLite no write
        # lock) stays open while the mail server talks.
        session.expunge(mail)
    session.commit()
    return mail


def _failed_attempt(session: Session, mail_id: int, *, error: str) -> None:
    mail = session.get(OutgoingMail, mail_id)
    if mail is None:
        return
    if mail.attempts >= MAX_ATTEMPTS:
        _settle(session, mail_id, status=MailStatus.FAILED, error=error)
        return
    delay = FIRST_RETRY_SECONDS * 2 ** (mail.attempts - 1)
    mail.status = MailStatus.PENDING
    mail.next_attempt_at = now() + timedelta(seconds=delay)
    mail.lease_until = None
    mail.last_error = error[:1000]
    session.commit()


def _settle(session: Session, mail_id: int, *, status: MailStatus, error: str) -> None:
    session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .values(status=status, lease_until=None, last_error=error[:1000])
    )
    session.commit()


def sweep(*, moment: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Send what no job sent: mail whose job was lost or whose queue was down, mail due for
    a retry, and mail whose worker died before handing it over. Returns how many went."""
    moment = moment or now()
    session = new_session()
    try:
        expired = and_(OutgoingMail.status == MailStatus.SENDING, OutgoingMail.lease_until < moment)
        session.execute(
            update(OutgoingMail)
            .where(expired, OutgoingMail.handed_at.is_not(None))
            .values(
                status=MailStatus.UNCONFIRMED,
                lease_until=None,
                last_error="the worker stopped after handing it to the mail server",
            )
        )
        session.execute(
            update(OutgoingMail)
            .where(expired, OutgoingMail.handed_at.is_(None))
            .values(status=MailStatus.PENDING, lease_until=None)
        )
        grace = moment - timedelta(seconds=SWEEP_GRACE_SECONDS)
        due = list(
            session.scalars(
                select(OutgoingMail.id)
                .where(
                    OutgoingMail.status == MailStatus.PENDING,
                    OutgoingMail.next_attempt_at <= moment,
                    or_(OutgoingMail.attempts > 0, OutgoingMail.created_at <= grace),
                )
                .order_by(OutgoingMail.id)
                .limit(limit)
            )
        )
        session.commit()
    finally:
        session.close()
    sent = 0
    for mail_id in due:
        try:
            sent += send(mail_id, moment=moment)
        except Exception:  # recorded on the mail; the next sweep tries again when due
            log.warning("sweep: mail %s not sent this time", mail_id, exc_info=True)
    return sent


def counts(session: Session) -> dict[str, int]:
    """How many mails are in each state (the secretariat's outbox screen, /readyz)."""
    from sqlalchemy import func

    rows = session.execute(
        select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status)
    ).all()
    return {status.value: int(count) for status, count in rows}


def recent(
    session: Session, limit: int = 50, *, status: MailStatus | None = None
) -> list[OutgoingMail]:
    """The newest mails first (of one state, if given)."""
    query = select(OutgoingMail)
    if status is not None:
        query = query.where(OutgoingMail.status == status)
    return list(session.scalars(query.order_by(OutgoingMail.id.desc()).limit(limit)))


class UnknownMailState(DomainError):
    status_code = 400
    message = _l("There is no such state of a mail.")


def parse_status(value: str | None) -> MailStatus | None:
    """The ``state`` filter of the outbox screen: empty for all, else one of the states."""
    if not value:
        return None
    try:
        return MailStatus(value)
    except ValueError:
        known = ", ".join(status.value for status in MailStatus)
        raise UnknownMailState(
            str(
                _l(
                    "There is no mail state “%(state)s”; the states are: %(known)s.",
                    state=value[:40],
                    known=known,
                )
            )
        ) from None


class ResendRefused(DomainError):
    """A resend that cannot be done; the page says why."""

    status_code = 409


class Resend(StrEnum):
    """What a resend did, or that it waits for the secretariat's confirmation."""

    REQUEUED = "requeued"  # a failed mail, back to waiting
    COPIED = "copied"  # a mail that may have arrived, sent again as a new mail
    ASK_FIRST = "ask_first"  # it may have arrived: nothing done until confirmed


def may_have_arrived(mail: OutgoingMail) -> bool:
    """Sent, or handed to the mail server before its worker stopped (unconfirmed)."""
    return mail.status in (MailStatus.SENT, MailStatus.UNCONFIRMED)


def resendable(mail: OutgoingMail) -> bool:
    """Whether :func:`resend` can send ``mail`` again (the outbox shows its button)."""
    return mail.status is MailStatus.FAILED or (may_have_arrived(mail) and mail.body is not None)


def resend(mail: OutgoingMail, *, session: Session, by: Any, confirmed: bool) -> Resend:
    """Send ``mail`` again, at the secretariat's request.

    A failed mail goes back to waiting with its attempts counted afresh (the same message,
    the same Message-ID; the old count and error kept in the audit trail). A mail that may
    have arrived is sent again only when ``confirmed``, as a new mail with the same
    recipient, subject and body; when its body was erased (every sent mail's is) there is
    nothing to send and :class:`ResendRefused` says so, as it does for a mail still waiting
    or being sent.

    Side effects: changes or adds the mail, writes ``mail.requeued`` or ``mail.resent`` in
    the audit trail, and hands the mail to the sender after the commit."""
    if mail.status is MailStatus.FAILED:
        # The attempts and the last error go to the audit trail; the outbox then shows this
        # round of attempts only.
        audit.record(
            session,
            "mail.requeued",
            actor=by,
            target=mail,
            attempts=mail.attempts,
            last_error=mail.last_error,
        )
        mail.status = MailStatus.PENDING
        mail.attempts = 0
        mail.next_attempt_at = now()
        mail.lease_until = None
        mail.handed_at = None
        mail.last_error = None
        send_after_commit(session, mail)
        return Resend.REQUEUED
    if not may_have_arrived(mail):
        raise ResendRefused(str(_l("This mail is waiting to be sent already.")))
    if mail.body is None:
        raise ResendRefused(
            str(
                _l(
                    "This mail cannot be sent again: its text is erased once the mail server "
                    "accepts it, because it may hold a sign-in link. Do again what sent it "
                    "(for instance, ask for a new confirmation link)."
                )
            )
        )
    if not confirmed:
        return Resend.ASK_FIRST
    moment = now()
    copy = OutgoingMail(
        message_id=make_msgid(domain="wsis-prizes"),
        recipient=mail.recipient,
        subject=mail.subject,
        body=mail.body,
        status=MailStatus.PENDING,
        created_at=moment,
        next_attempt_at=moment,
        attempts=0,
    )
    session.add(copy)
    session.flush()
    audit.record(session, "mail.resent", actor=by, target=mail, copy_id=copy.id)
    send_after_commit(session, copy)
    return Resend.COPIED
