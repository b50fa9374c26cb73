"""Named reads about accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from prizes.accounts.emails import canonical_email
from prizes.accounts.models import BlockedMailDomain, Role, User, UserRole
from prizes.db import db


def users_matching(text: str = "", role: Role | None = None) -> Select[Any]:
    """Users whose email or organisation contains ``text``, newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                User.email_canonical.like(pattern),
                User.email_canonical == canonical_email(text),
                func.lower(User.organisation_name).like(pattern),
            )
        )
    if role is not None:
        query = query.where(User.roles.any(UserRole.role == role))
    return query


def count_users() -> dict[str, int]:
    total, verified = db.session.execute(
        select(func.count(User.id), func.count(User.email_verified_at))
    ).one()
    return {"total": total, "verified": verified}


def list_blocked_domains() -> list[BlockedMailDomain]:
    """The throw-away domains the secretariat added, in name order, with who added them."""
    return list(
        db.session.scalars(
            select(BlockedMailDomain)
            .options(joinedload(BlockedMailDomain.added_by))
            .order_by(BlockedMailDomain.domain)
        )
    )
