"""An export's state, in the database so that every app host and worker sees the same."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.db import Base, UTCDateTime, enum_type


class ExportKind(StrEnum):
    VOTES = "votes"  # every vote of a round, valid or invalidated
    NOMINATIONS = "nominations"  # every nomination of an edition


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Export(Base):
    """One requested export: what, for whom, how far it got, and where the file is."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'votes' AND round_id IS NOT NULL)"
            " OR (kind = 'nominations' AND edition_id IS NOT NULL)",
            name="subject",
        ),
        CheckConstraint("status != 'done' OR file_name IS NOT NULL", name="done_has_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ExportKind] = mapped_column(enum_type(ExportKind, "export_kind"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("voting_rounds.id"))
    edition_id: Mapped[int | None] = mapped_column(ForeignKey("editions.id"))
    status: Mapped[ExportStatus] = mapped_column(
        enum_type(ExportStatus, "export_status"), default=ExportStatus.QUEUED, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retries_left: Mapped[int | None] = mapped_column(Integer)
    row_count: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User] = relationship()

    @property
    def download_name(self) -> str:
        """The name the browser saves the file under (plain ASCII, no user text)."""
        if self.kind is ExportKind.VOTES:
            return f"wsis-votes-round-{self.round_id}-export-{self.id}.csv"
        return f"wsis-nominations-edition-{self.edition_id}-export-{self.id}.csv"
