"""An edition's settings, as one frozen object that the secretariat's form builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class EditionFields:
    """The dates are days; each phase ends at 23:00 Geneva time on its day."""

    year: int
    title: str
    submission_opens: date
    submission_closes: date
    review_closes: date
    selection_closes: date
    shortlist_size: int = 5
    score_min: int = 1
    score_max: int = 10
    integrity_threshold_percent: int = 30
    dispute_window_days: int = 7
