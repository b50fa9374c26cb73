from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from prizes.core.forms import SiteForm, options
from prizes.disputes.models import DisputeOutcome


class OpenDisputeForm(SiteForm):
    statement = TextAreaField(
        _l("What do you dispute, and why?"),
        description=_l(
            "Read by the secretariat and, if it refers the dispute, the expert group. Never "
            "published: the transparency report lists only the outcome."
        ),
        validators=[InputRequired(), Length(min=10, max=5000)],
        render_kw={"rows": 6},
    )


class AnswerForm(SiteForm):
    text = TextAreaField(
        _l("Answer (sent to the person who opened the dispute)"),
        validators=[InputRequired(), Length(min=3, max=5000)],
        render_kw={"rows": 4},
    )


class ReferForm(SiteForm):
    note = TextAreaField(
        _l("What the expert group is asked"),
        validators=[InputRequired(), Length(min=3, max=2000)],
        render_kw={"rows": 2},
    )


class CloseForm(SiteForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=options((o.value, o.label) for o in DisputeOutcome),
        validators=[InputRequired()],
    )


class OpinionForm(SiteForm):
    text = TextAreaField(
        _l("Your opinion"),
        validators=[InputRequired(), Length(min=3, max=5000)],
        render_kw={"rows": 4},
    )
