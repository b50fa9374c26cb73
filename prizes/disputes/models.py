from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.core.vocabulary import LabelledEnum
from prizes.db import Base, PortableBigInt, UTCDateTime, enum_type
from prizes.nominations.models import Nomination
from prizes.voting.models import Vote, VotingRound


class DisputeSubject(LabelledEnum):
    """What a dispute is about."""

    VOTE = "vote", _l("A vote")
    NOMINATION = "nomination", _l("A nomination")
    RESULT = "result", _l("A round's result")


class DisputeState(LabelledEnum):
    """open -> answered, or open -> referred (to the expert group) -> answered; -> closed."""

    OPEN = "open", _l("Open")
    ANSWERED = "answered", _l("Answered")
    REFERRED = "referred", _l("Referred to the expert group")
    CLOSED = "closed", _l("Closed")


class DisputeOutcome(LabelledEnum):
    """How a closed dispute ended: the part of it the transparency report publishes."""

    UPHELD = "upheld", _l("Upheld")
    NOT_UPHELD = "not_upheld", _l("Not upheld")


class Dispute(Base):
    """One dispute and each step it took (who answered, referred and closed it, and when);
    the audit trail holds the same steps."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint("subject <> 'vote' OR vote_id IS NOT NULL", name="vote_named"),
        CheckConstraint(
            "subject <> 'nomination' OR nomination_id IS NOT NULL", name="nomination_named"
        ),
        CheckConstraint("subject <> 'result' OR round_id IS NOT NULL", name="round_named"),
        CheckConstraint("state <> 'closed' OR outcome IS NOT NULL", name="outcome_when_closed"),
        CheckConstraint(
            "state NOT IN ('answered', 'closed') OR answer IS NOT NULL", name="answer_given"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    # The round it belongs to (the vote's, the result's, or the nomination's last round),
    # whose transparency report lists its outcome; none for a nomination never on a ballot.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("voting_rounds.id"), index=True)
    subject: Mapped[DisputeSubject] = mapped_column(enum_type(DisputeSubject, "dispute_subject"))
    vote_id: Mapped[int | None] = mapped_column(PortableBigInt, ForeignKey("votes.id"))
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nominations.id"))
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The end of the dispute window for the step disputed, as it stood when opened.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    statement: Mapped[str] = mapped_column(Text)
    state: Mapped[DisputeState] = mapped_column(
        enum_type(DisputeState, "dispute_state"), default=DisputeState.OPEN
    )
    referral_note: Mapped[str | None] = mapped_column(Text)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[DisputeOutcome | None] = mapped_column(
        enum_type(DisputeOutcome, "dispute_outcome")
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    edition: Mapped[Edition] = relationship()
    voting_round: Mapped[VotingRound | None] = relationship()
    vote: Mapped[Vote | None] = relationship()
    nomination: Mapped[Nomination | None] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    opinions: Mapped[list[DisputeOpinion]] = relationship(
        order_by="DisputeOpinion.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Dispute {self.id} {self.subject} {self.state}>"


class DisputeOpinion(Base):
    """An expert's opinion on a dispute referred to the expert group."""

    __tablename__ = "dispute_opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    opinion: Mapped[str] = mapped_column(Text)
