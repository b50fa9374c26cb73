from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from prizes.core.clock import GENEVA
from prizes.core.forms import SiteForm, given


class VoteForm(SiteForm):
    """The choice is a number here: whether that project is on the ballot is the vote's own
    statement's to check, so a POST validates without reading the ballot (and the page,
    which may list hundreds of projects, writes its own radio buttons). Its CSRF token is
    checked once, by the app-wide guard that checks every POST (``CSRFProtect``), not a
    second time by the form."""

    class Meta:
        csrf = False

    nomination = IntegerField(
        _l("Your choice"),
        validators=[
            InputRequired(message=_l("Choose a project.")),
            NumberRange(min=1, max=2**31 - 1, message=_l("Choose a project.")),
        ],
    )
    # Filled by the proof-of-work widget when the round asks for it (not rendered here).
    altcha = HiddenField()


class ReceiptForm(SiteForm):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    code = StringField(
        _l("Receipt code"),
        validators=[InputRequired(), Length(min=16, max=24)],
        render_kw={
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": "ABCD-EFGH-JKMN-PQRS",
        },
    )


class RoundForm(SiteForm):
    """Times are entered in Geneva time, the contest's official clock."""

    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    opens_at = DateTimeLocalField(_l("Opens (Geneva time)"), validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes (Geneva time)"), validators=[InputRequired()])
    requires_complete_ballot = BooleanField(
        _l("Count a ballot only when every category is voted"),
        description=_l("Off by default: the forced full ballot pushed people to vote at random."),
    )
    public_tally = BooleanField(
        _l("Publish this round's vote counts with the edition's results"),
        description=_l(
            "Until the edition's results are published only the secretariat sees the counts "
            "and ranking of a round, whatever this says."
        ),
    )

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The round must close after it opens."))

    def moment(self, field: DateTimeLocalField) -> datetime:
        """The field's Geneva wall-clock time as an aware UTC moment."""
        return given(field.data).replace(tzinfo=GENEVA).astimezone(UTC)


class InvalidateForm(SiteForm):
    references = TextAreaField(
        _l("Receipt codes or vote numbers"),
        description=_l("One or more, separated by spaces, commas or new lines."),
        validators=[Optional(), Length(max=200_000)],
        render_kw={"rows": 4},
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l(
            "Kept with each vote and in the audit trail; the voter is told only the vote "
            "log's reason code."
        ),
        validators=[InputRequired(), Length(min=3, max=2000)],
        render_kw={"rows": 2},
    )
