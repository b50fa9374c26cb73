from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from prizes.accounts.models import Role
from prizes.contest.fields import EditionFields
from prizes.contest.models import Edition
from prizes.core.clock import in_geneva
from prizes.core.forms import SiteForm, given, options
from prizes.voting.forms import RoundForm

ROLE_LABELS = {
    Role.STAKEHOLDER: _l("Stakeholder"),
    Role.EXPERT: _l("Expert"),
    Role.SECRETARIAT: _l("Secretariat"),
}


class UserSearchForm(SiteForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Email or organisation"), validators=[Optional(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=options(ROLE_LABELS.items(), blank=_l("Any")),
        validators=[Optional()],
    )


MANAGED_ROLES = (Role.STAKEHOLDER, Role.SECRETARIAT)
"""The roles the secretariat grants and removes on the account page; the expert role comes
and goes with the expert group's invitations."""


class RoleChangeForm(SiteForm):
    role = SelectField(
        _l("Role"),
        choices=options((r, ROLE_LABELS[r]) for r in MANAGED_ROLES),
        validators=[InputRequired()],
    )
    action = HiddenField(validators=[InputRequired(), AnyOf(["grant", "revoke"])])


class RoundSetupForm(RoundForm):
    """The round's settings, with the secretariat's own switch against vote scripts."""

    requires_proof_of_work = BooleanField(
        _l("Ask a proof of work with every vote"),
        description=_l(
            "The voter's browser works about a second per vote, which makes voting by script "
            "costly. It can be turned on or off while the round runs."
        ),
    )


class ProofOfWorkForm(SiteForm):
    """Turn the round's proof of work on or off."""

    required = HiddenField(validators=[InputRequired(), AnyOf(["on", "off"])])


class IntegrityDecisionForm(SiteForm):
    """The secretariat's decision on a nomination that passed the integrity threshold."""

    decision = HiddenField(validators=[InputRequired(), AnyOf(["keep", "disqualify"])])
    reason = TextAreaField(
        _l("Reason (sent to the nominator)"),
        description=_l("Required to disqualify."),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )


class OverrideForm(SiteForm):
    """A step of the timeline; the reason is asked when it is taken before its date (the
    service says so), and kept with the override on the edition's timeline."""

    reason = TextAreaField(
        _l("Reason for acting before the date (an override, shown on the timeline)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )


class CloseRoundForm(SiteForm):
    """Closing an open round before its time is always an override: the reason is required."""

    reason = TextAreaField(
        _l("Reason for closing the round early"),
        validators=[InputRequired(), Length(max=2000)],
        render_kw={"rows": 2},
    )


class EditionForm(SiteForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2200)])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    submission_opens = DateField(_l("Submissions open (day)"), validators=[InputRequired()])
    submission_closes = DateField(
        _l("Submission deadline (23:00 Geneva time)"), validators=[InputRequired()]
    )
    review_closes = DateField(_l("Review ends (23:00 Geneva time)"), validators=[InputRequired()])
    selection_closes = DateField(
        _l("Selection ends (23:00 Geneva time)"), validators=[InputRequired()]
    )
    shortlist_size = IntegerField(
        _l("Shortlist per category"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=20)],
    )
    score_min = IntegerField(
        _l("Lowest score"), default=1, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    score_max = IntegerField(
        _l("Highest score"), default=10, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    integrity_threshold_percent = IntegerField(
        _l("Integrity threshold (per cent)"),
        default=30,
        description=_l(
            "A nominee whose votes in a round are invalidated or in open suspicion flags for "
            "more than this share awaits the secretariat's review before the shortlist."
        ),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    dispute_window_days = IntegerField(
        _l("Dispute window (days)"),
        default=7,
        description=_l(
            "How long after a step (a round's close, an invalidation, the results) a dispute "
            "about it may be opened."
        ),
        validators=[Optional(), NumberRange(min=0, max=365)],
    )
    date_change_reason = TextAreaField(
        _l("Reason for moving a date that has come"),
        description=_l(
            "Needed only to move a date already past, or to a moment already past: an "
            "override, shown on the edition's timeline."
        ),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )

    def fields(self) -> EditionFields:
        return EditionFields(
            year=given(self.year.data),
            title=given(self.title.data),
            submission_opens=given(self.submission_opens.data),
            submission_closes=given(self.submission_closes.data),
            review_closes=given(self.review_closes.data),
            selection_closes=given(self.selection_closes.data),
            shortlist_size=given(self.shortlist_size.data),
            score_min=given(self.score_min.data),
            score_max=given(self.score_max.data),
            # Left empty, the contest's defaults.
            integrity_threshold_percent=_or(self.integrity_threshold_percent.data, 30),
            dispute_window_days=_or(self.dispute_window_days.data, 7),
        )

    @staticmethod
    def data_of(edition: Edition) -> dict[str, object]:
        return {
            "year": edition.year,
            "title": edition.title,
            "submission_opens": in_geneva(edition.submission_opens_at).date(),
            "submission_closes": in_geneva(edition.submission_closes_at).date(),
            "review_closes": in_geneva(edition.review_closes_at).date(),
            "selection_closes": in_geneva(edition.selection_closes_at).date(),
            "shortlist_size": edition.shortlist_size,
            "score_min": edition.score_min,
            "score_max": edition.score_max,
            "integrity_threshold_percent": edition.integrity_threshold_percent,
            "dispute_window_days": edition.dispute_window_days,
        }


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


class CriterionForm(Form):
    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2}
    )
    weight = FloatField(
        _l("Weight"), default=1.0, validators=[Optional(), NumberRange(min=0.01, max=100)]
    )


class RubricForm(SiteForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=1, max_entries=40)


class VoteExportForm(SiteForm):
    """Which round's votes to export; the rounds are given by the caller."""

    voting_round = SelectField(_l("Round"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, prefix="votes", **kwargs)
        self.voting_round.choices = rounds


class NominationExportForm(SiteForm):
    """Which edition's nominations to export; the editions are given by the caller."""

    edition = SelectField(_l("Edition"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args: Any, editions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, prefix="nominations", **kwargs)
        self.edition.choices = editions


class BlockedDomainForm(SiteForm):
    """A throw-away mail domain to refuse; the service checks that it is one."""

    domain = StringField(
        _l("Mail domain"),
        validators=[InputRequired(), Length(max=253)],
        description=_l("Its subdomains are refused too."),
    )
    reason = StringField(_l("Why (kept in the audit trail)"), validators=[Length(max=300)])


class ImportUploadForm(SiteForm):
    """A CSV or JSON file of stocktaking entries (docs/importing.md describes the columns)."""

    file = FileField(
        _l("File of entries (.csv or .json)"),
        validators=[FileRequired(), FileAllowed(["csv", "json"], _l("A .csv or .json file."))],
    )


class ResendMailForm(SiteForm):
    """Send a mail again; ``confirm=yes`` is the second step for one that may have arrived."""

    confirm = HiddenField(validators=[Optional(), AnyOf(["yes"])])


class NextStepForm(SiteForm):
    """The console's button for an edition's next step: the step the page showed (so a page
    left open does not take a later one), and the reason an early step needs."""

    step = HiddenField(validators=[InputRequired(), Length(max=40)])
    reason = TextAreaField(
        _l("Reason for acting before the date (an override, shown on the timeline)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
