from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from prizes.core.forms import SiteForm, email_field, options
from prizes.review.models import RubricCriterion
from prizes.stocktaking.forms import MultiCheckboxField


class ConflictForm(SiteForm):
    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this nomination?"),
        choices=options([("no", _l("No")), ("yes", _l("Yes, I recuse myself"))]),
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("What is the conflict?"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )


class ScoreForm(SiteForm):
    """One value and an optional comment per criterion; the fields are made per rubric."""

    def criterion_fields(self) -> list[tuple[RubricCriterion, Field, Field]]:
        return [(c, self[f"value_{c.id}"], self[f"comment_{c.id}"]) for c in self._criteria]


def score_form(criteria: list[RubricCriterion], low: int, high: int, **kwargs: object) -> ScoreForm:
    """A ScoreForm for this rubric and scale (a new class, so fields stay per form)."""

    class RubricForm(ScoreForm):
        pass

    scale = [("", "—")] + [(str(v), str(v)) for v in range(low, high + 1)]
    for criterion in criteria:
        setattr(
            RubricForm,
            f"value_{criterion.id}",
            SelectField(
                criterion.name,
                choices=options(scale),
                validators=[Optional()],
                description=criterion.description,
            ),
        )
        setattr(
            RubricForm,
            f"comment_{criterion.id}",
            TextAreaField(
                _l("Comment"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
            ),
        )
    form = RubricForm(**kwargs)
    form._criteria = criteria
    return form


class InviteForm(SiteForm):
    email = email_field(_l("Expert's email address"))
    categories = MultiCheckboxField(
        _l("Categories"), validators=[InputRequired(message=_l("Choose at least one category."))]
    )


class AssignForm(SiteForm):
    categories = MultiCheckboxField(_l("Categories"), validators=[Optional()])


class ReasonForm(SiteForm):
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )


class DecisionForm(SiteForm):
    # No Optional(): it would also skip the check that each value is one of the choices,
    # and a blank or foreign value would reach int() in the view. None chosen is allowed.
    winners = MultiCheckboxField(_l("Winner(s)"))
    rationale = TextAreaField(
        _l("Rationale"), validators=[InputRequired(), Length(max=5000)], render_kw={"rows": 3}
    )
    deviation_reason = TextAreaField(
        _l("Why the decision differs from the proposed ranking (if it does)"),
        validators=[Optional(), Length(max=3000)],
        render_kw={"rows": 2},
    )
    override_reason = TextAreaField(
        _l("Why decide before every assigned expert has scored (if so)"),
        validators=[Optional(), Length(max=3000)],
        render_kw={"rows": 2},
    )


class EditionRulesForm(SiteForm):
    nominated_per_category = IntegerField(
        _l("Nominated per category (stage 1)"), validators=[Optional(), NumberRange(min=1, max=500)]
    )
    nomination_cutoff = FloatField(_l("Or a cut-off score (stage 1)"), validators=[Optional()])
    normalise_scores = BooleanField(_l("Rank on scores normalised per expert (z-scores)"))
    show_votes_to_experts = BooleanField(_l("Show the public vote to experts in stage 2"))
    conflict_on_same_country = BooleanField(
        _l("Propose a conflict when the expert and the project share a country")
    )
