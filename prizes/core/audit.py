"""The audit trail: every state change writes an event in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from prizes.core.clock import now
from prizes.db import Base, PortableBigInt, UTCDateTime


class AuditEvent(Base):
    """An append-only record; the database refuses to delete or change one."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(PortableBigInt, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    action: str,
    *,
    actor: Any | None,
    target: Any | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``target`` (flushed with the caller's change)."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(target).__tablename__ if target is not None else "",
        object_id=getattr(target, "id", None),
        data=data,
    )
    session.add(event)
    return event
