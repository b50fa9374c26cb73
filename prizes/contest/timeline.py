"""The edition's timeline, enforced: each step that moves an edition on says what it still
needs, and the secretariat acts before a step's date only with a reason (an override).

The steps live in their own packages (the nominated list in nominations, rounds in voting,
champions and winners in review); each lists what is missing with the helpers here and
refuses with :class:`TimelineRefused`, which names it. An early step or a moved date is a
:class:`~prizes.contest.models.TimelineOverride`: audited, and shown on the edition's
timeline page.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import User
from prizes.contest.models import Edition, TimelineOverride
from prizes.core import audit
from prizes.core.clock import in_geneva
from prizes.core.errors import DomainError
from prizes.db import db


class Step(StrEnum):
    """The steps that move an edition on, in the contest's order."""

    ANNOUNCE_NOMINATED_LIST = "announce_nominated_list"
    OPEN_ROUND = "open_round"
    CLOSE_ROUND = "close_round"
    ADVANCE_ROUND = "advance_round"
    RECORD_DECISION = "record_decision"
    ANNOUNCE_CHAMPIONS = "announce_champions"
    PUBLISH_RESULTS = "publish_results"
    MOVE_DATE = "move_date"

    @property
    def label(self) -> str:
        return str(_STEP_LABELS[self])


_STEP_LABELS = {
    Step.ANNOUNCE_NOMINATED_LIST: _l("Announce the nominated list"),
    Step.OPEN_ROUND: _l("Open a voting round"),
    Step.CLOSE_ROUND: _l("Close a voting round early"),
    Step.ADVANCE_ROUND: _l("Advance a voting round"),
    Step.RECORD_DECISION: _l("Record a decision"),
    Step.ANNOUNCE_CHAMPIONS: _l("Announce the champions"),
    Step.PUBLISH_RESULTS: _l("Publish the winners"),
    Step.MOVE_DATE: _l("Move a date"),
}


class TimelineRefused(DomainError):
    """A step asked for before what it needs; the message lists every missing piece."""

    status_code = 409

    def __init__(self, missing: list[str]) -> None:
        super().__init__(" ".join(missing))
        self.missing = missing


def when(moment: datetime) -> str:
    """A date as the refusals name it: Geneva time, the contest's clock."""
    stamp = in_geneva(moment).strftime("%Y-%m-%d %H:%M")
    return str(_l("%(moment)s Geneva time", moment=stamp))


def refuse_if(missing: list[str]) -> None:
    """Raise :class:`TimelineRefused` naming ``missing``, when anything is."""
    if missing:
        raise TimelineRefused(missing)


def early_needs_reason(*, due: datetime, now: datetime, reason: str | None, what: str) -> list[str]:
    """What is missing to take a step before its date ``due``: the reason, when none."""
    if now >= due or (reason or "").strip():
        return []
    return [
        str(
            _l(
                "%(what)s is due on %(due)s; acting before then needs an override with a reason.",
                what=what,
                due=when(due),
            )
        )
    ]


def record_override(
    edition: Edition,
    *,
    step: Step,
    due: datetime | None,
    reason: str,
    by: User,
    now: datetime,
    **detail: Any,
) -> TimelineOverride:
    """Keep the override on the edition's timeline. Side effects: a row, an audit event."""
    override = TimelineOverride(
        edition_id=edition.id,
        step=step.value,
        due_at=due,
        acted_at=now,
        reason=reason.strip(),
        detail=detail,
        by_id=by.id,
    )
    db.session.add(override)
    db.session.flush()
    audit.record(
        db.session,
        "timeline.override",
        actor=by,
        target=edition,
        step=step.value,
        due=due.isoformat() if due else None,
        reason=override.reason,
        **detail,
    )
    return override


def override_if_early(
    edition: Edition,
    *,
    step: Step,
    due: datetime,
    now: datetime,
    reason: str | None,
    by: User,
    **detail: Any,
) -> TimelineOverride | None:
    """Record the override when the step is taken before ``due`` (the caller has checked
    that a reason was given); nothing when it is on time."""
    if now >= due:
        return None
    return record_override(
        edition, step=step, due=due, reason=reason or "", by=by, now=now, **detail
    )


def overrides_of(edition_id: int) -> list[TimelineOverride]:
    """The edition's overrides, oldest first, for its timeline page."""
    return list(
        db.session.scalars(
            select(TimelineOverride)
            .where(TimelineOverride.edition_id == edition_id)
            .order_by(TimelineOverride.acted_at, TimelineOverride.id)
        )
    )
