"""The expert group: invitations, category assignments, conflicts of interest and scores.

Experts never register themselves: the secretariat invites an address, and the invitation
(a signed link that expires and works once) gives the expert role to the account of that
mailbox. An expert declares conflicts before scoring; a recused expert neither scores a
nomination nor sees the others' scores for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts import services as accounts
from prizes.accounts.emails import canonical_email, email_domain
from prizes.accounts.models import Role, User
from prizes.contest.models import Category, Edition
from prizes.core import audit, mail
from prizes.core.errors import DomainError, NotAllowed
from prizes.core.text import organisation_key, same_organisation
from prizes.core.tokens import InvalidToken, fingerprint, make_token, read_token
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ExpertInvitation,
    Score,
    ScoreStatus,
)

INVITE = "expert-invitation"
INVITATION_DAYS = 14
# Addresses at these providers say nothing about an employer: no conflict is guessed from them.
FREE_MAIL = {
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "protonmail.com",
    "live.com",
    "aol.com",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
}


class InvitationMismatch(DomainError):
    status_code = 403
    message = _l(
        "This invitation was sent to another address. Sign in with that address to accept it."
    )


class NotAssigned(DomainError):
    status_code = 403
    message = _l("You are not assigned to this nomination's category.")


class Recused(DomainError):
    status_code = 403
    message = _l(
        "You declared a conflict of interest with this nomination, so you do not score it."
    )


class ConflictNotDeclared(DomainError):
    status_code = 409
    message = _l("Please declare whether you have a conflict of interest before scoring.")


class ScoresLocked(DomainError):
    status_code = 409
    message = _l(
        "Your scores for this nomination are submitted and locked. The secretariat can reopen them."
    )


class BadScore(DomainError):
    status_code = 422


class WrongStage(DomainError):
    status_code = 409
    message = _l("This nomination is not being scored in this stage.")


# --- invitations and assignments ---------------------------------------------------------


def _invitation_state(invitation: ExpertInvitation) -> str:
    return fingerprint(invitation.id, invitation.accepted_at, invitation.revoked_at)


def _invitee_language(email_canonical: str) -> str | None:
    """An invitee with an account reads the mail in their language; someone new reads it
    in the language of the secretariat's page (None: the current one)."""
    return db.session.scalar(select(User.language).where(User.email_canonical == email_canonical))


def invite_expert(
    edition: Edition, *, email: str, categories: Sequence[Category], by: User, now: datetime
) -> ExpertInvitation:
    """Record the invitation and mail its link. Side effects: a row, an audit event, a mail."""
    invitation = ExpertInvitation(
        edition_id=edition.id,
        email=email.strip(),
        email_canonical=canonical_email(email),
        category_ids=sorted(c.id for c in categories),
        invited_by_id=by.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    token = make_token(INVITE, invitation.id, _invitation_state(invitation))
    mail.queue(
        db.session,
        to=invitation.email,
        language=_invitee_language(invitation.email_canonical),
        subject=_l("Invitation to the expert group of %(title)s", title=edition.title),
        template="expert_invitation",
        edition=edition,
        categories=categories,
        accept_url=external_url("review.accept_invitation", token=token),
        register_url=external_url("accounts.register"),
        days=INVITATION_DAYS,
    )
    audit.record(
        db.session, "expert.invited", actor=by, target=invitation, email=invitation.email_canonical
    )
    return invitation


def invitation_for_token(token: str, *, now: datetime) -> ExpertInvitation:
    invitation_id, state = read_token(token, INVITE, max_age=INVITATION_DAYS * 24 * 3600)
    invitation = db.session.get(ExpertInvitation, invitation_id)
    if invitation is None or state != _invitation_state(invitation) or invitation.expires_at < now:
        raise InvalidToken("used, revoked or expired")
    return invitation


def accept_invitation(token: str, *, user: User, now: datetime) -> ExpertInvitation:
    """Give the signed-in account of the invited mailbox the expert role and its categories."""
    invitation = invitation_for_token(token, now=now)
    if canonical_email(user.email) != invitation.email_canonical:
        raise InvitationMismatch()
    if not user.is_verified:
        raise NotAllowed(str(_l("Please confirm your email address first.")))
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    accounts.grant_role(user, Role.EXPERT, by=None)
    categories = list(
        db.session.scalars(select(Category).where(Category.id.in_(invitation.category_ids)))
    )
    assign_categories(user, invitation.edition_id, categories, by=user, keep_others=True)
    audit.record(db.session, "expert.invitation_accepted", actor=user, target=invitation)
    return invitation


def assign_categories(
    expert: User,
    edition_id: int,
    categories: Sequence[Category],
    *,
    by: User,
    keep_others: bool = False,
) -> None:
    """Set the expert's categories in an edition (or add to them). Side effects: audit."""
    if not expert.has_role(Role.EXPERT):
        raise NotAllowed(str(_l("Only experts can be assigned to categories.")))
    current = {
        a.category_id: a
        for a in db.session.scalars(
            select(ExpertAssignment).where(
                ExpertAssignment.expert_id == expert.id, ExpertAssignment.edition_id == edition_id
            )
        )
    }
    wanted = {c.id for c in categories}
    for category_id in wanted - set(current):
        db.session.add(
            ExpertAssignment(
                edition_id=edition_id,
                expert_id=expert.id,
                category_id=category_id,
                assigned_by_id=by.id,
            )
        )
    if not keep_others:
        for category_id in set(current) - wanted:
            db.session.delete(current[category_id])
    db.session.flush()
    audit.record(
        db.session,
        "expert.assigned",
        actor=by,
        target=expert,
        edition_id=edition_id,
        categories=sorted(wanted),
    )


def init_app(app: Flask) -> None:
    """Answer nominations' questions about the expert group (see core/hooks.py)."""
    nominations.expert_is_assigned.answer_with(is_assigned)
    nominations.declared_conflict.answer_with(has_declared_conflict)


def has_declared_conflict(expert: User, nomination: Nomination) -> bool:
    conflict = select(ConflictDeclaration.id).where(
        ConflictDeclaration.expert_id == expert.id,
        ConflictDeclaration.nomination_id == nomination.id,
        ConflictDeclaration.has_conflict.is_(True),
    )
    return db.session.scalar(conflict) is not None


def is_assigned(expert: User, nomination: Nomination) -> bool:
    return (
        db.session.scalar(
            select(ExpertAssignment.id).where(
                ExpertAssignment.expert_id == expert.id,
                ExpertAssignment.edition_id == nomination.edition_id,
                ExpertAssignment.category_id == nomination.category_id,
            )
        )
        is not None
    )


# --- conflicts of interest ---------------------------------------------------------------


def proposed_conflicts(expert: User, nomination: Nomination) -> list[str]:
    """Likely reasons for a conflict, for the expert to confirm or dismiss."""
    reasons = []
    entry = nomination.entry
    expert_key = organisation_key(expert.organisation_name)
    if same_organisation(expert_key, entry.organisation_key) or same_organisation(
        expert_key, nomination.organisation_key
    ):
        reasons.append(str(_l("You work for the organisation that runs the project.")))
    domain = email_domain(expert.email)
    related = [nomination.nominator] + ([entry.owner] if entry.owner else [])
    if domain not in FREE_MAIL and any(email_domain(person.email) == domain for person in related):
        reasons.append(str(_l("Your email domain is the nominator's or the project owner's.")))
    if (
        nomination.edition.conflict_on_same_country
        and expert.country
        and expert.country == entry.country
    ):
        reasons.append(str(_l("The project is from your country.")))
    return reasons


def declaration_of(expert: User, nomination: Nomination) -> ConflictDeclaration | None:
    return db.session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.expert_id == expert.id,
            ConflictDeclaration.nomination_id == nomination.id,
        )
    )


def declare_conflict(
    expert: User, nomination: Nomination, *, has_conflict: bool, reason: str | None, now: datetime
) -> ConflictDeclaration:
    """Record the expert's answer; a conflict needs its reason. Side effects: an audit event."""
    if not is_assigned(expert, nomination):
        raise NotAssigned()
    reason = (reason or "").strip() or None
    if has_conflict and not reason:
        raise BadScore(str(_l("Please say what the conflict is.")))
    if _has_submitted_scores(expert, nomination):
        raise ScoresLocked()
    declaration = declaration_of(expert, nomination)
    if declaration is None:
        declaration = ConflictDeclaration(expert_id=expert.id, nomination_id=nomination.id)
        db.session.add(declaration)
    declaration.has_conflict = has_conflict
    declaration.reason = reason
    declaration.proposed_by_system = bool(proposed_conflicts(expert, nomination)) and has_conflict
    declaration.declared_at = now
    db.session.flush()
    audit.record(
        db.session,
        "expert.conflict_declared",
        actor=expert,
        target=nomination,
        has_conflict=has_conflict,
        reason=reason,
    )
    return declaration


def _has_submitted_scores(expert: User, nomination: Nomination) -> bool:
    return (
        db.session.scalar(
            select(Score.id)
            .where(
                Score.expert_id == expert.id,
                Score.nomination_id == nomination.id,
                Score.status == ScoreStatus.SUBMITTED,
            )
            .limit(1)
        )
        is not None
    )
