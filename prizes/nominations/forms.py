from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, TextAreaField, URLField
from wtforms.validators import URL, InputRequired, Length, Optional, ValidationError

from prizes.contest.models import Category
from prizes.core.forms import OptionalChoice, SiteForm, options
from prizes.core.vocabulary import SDG_NAMES, SDG_NUMBERS
from prizes.nominations.fields import NominationFields
from prizes.nominations.models import Nomination, NominationStatus, ProjectStage
from prizes.nominations.rules import SHORT_DESCRIPTION_WORDS

STAGE_LABELS = {
    ProjectStage.COMPLETED: _l("Completed"),
    ProjectStage.MAJOR_PHASE_COMPLETED: _l("At the end of a major phase"),
}
LOW, HIGH = SHORT_DESCRIPTION_WORDS


def _long_text(label: Any, description: Any = None, rows: int = 5) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": rows},
    )


class NominationForm(SiteForm):
    """The real contest's form; a draft may be saved incomplete, the rules check on submit."""

    category = SelectField(_l("Prize category"), validators=[InputRequired()])
    short_description = TextAreaField(
        _l("Short description"),
        description=_l(
            "%(low)d to %(high)d words, in English. This is the text voters read.",
            low=LOW,
            high=HIGH,
        ),
        validators=[Optional(), Length(max=3000)],
        render_kw={"rows": 10, "data-word-min": LOW, "data-word-max": HIGH},
    )
    impact = _long_text(_l("Impact"), _l("What changed, in words and in numbers."))
    partnerships = _long_text(_l("Partnerships"), _l("Who worked with you, and how."))
    challenges = _long_text(_l("Challenges and future"), _l("What was hard, and what comes next."))
    project_stage = RadioField(
        _l("Stage of the project"),
        choices=options(STAGE_LABELS.items()),
        validators=[OptionalChoice()],
    )
    link = URLField(
        _l("Link to the project"), validators=[Optional(), Length(max=500), URL(require_tld=False)]
    )
    image = FileField(_l("Image (optional)"), description=_l("PNG, JPEG or WebP, up to 2 MB."))

    def __init__(self, *args: object, categories: list[Category], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._categories = {str(c.id): c for c in categories}
        self.category.choices = options(
            ((c.id, f"{c.number}. {c.name} ({c.action_line.value})") for c in categories),
            blank=_l("Choose…"),
        )

    @staticmethod
    def data_of(nomination: Nomination) -> dict[str, Any]:
        """The form's initial values for editing ``nomination``."""
        data: dict[str, Any] = {
            "category": str(nomination.category_id),
            "short_description": nomination.short_description,
            "impact": nomination.impact,
            "partnerships": nomination.partnerships,
            "challenges": nomination.challenges,
            "project_stage": nomination.project_stage.value if nomination.project_stage else None,
            "link": nomination.link,
        }
        data.update({f"sdg_{link.sdg}": link.linkage for link in nomination.sdg_links})
        return data

    def validate_link(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Use an address starting with http:// or https://."))

    def sdg_fields(self) -> list[tuple[int, Any]]:
        return [(n, self[f"sdg_{n}"]) for n in SDG_NUMBERS]

    def fields(self) -> NominationFields:
        """The validated answers (call after ``validate()``)."""
        return NominationFields(
            category=self._categories[self.category.data],
            short_description=self.short_description.data or "",
            impact=self.impact.data or "",
            partnerships=self.partnerships.data or "",
            challenges=self.challenges.data or "",
            project_stage=ProjectStage(self.project_stage.data)
            if self.project_stage.data
            else None,
            link=self.link.data or None,
            sdg_linkages={
                n: field.data.strip()
                for n, field in self.sdg_fields()
                if field.data and field.data.strip()
            },
        )


for _number in SDG_NUMBERS:
    setattr(
        NominationForm,
        f"sdg_{_number}",
        _long_text(
            _l("SDG %(number)d: %(name)s", number=_number, name=SDG_NAMES[_number]),
            _l("How the project's action line advances this goal."),
            rows=3,
        ),
    )


REVIEW_CHOICES = {
    NominationStatus.NOMINATED: _l("Nominate"),
    NominationStatus.RETURNED: _l("Return for changes"),
    NominationStatus.REJECTED: _l("Reject"),
}


class ReviewForm(SiteForm):
    outcome = RadioField(
        _l("Decision"), choices=options(REVIEW_CHOICES.items()), validators=[InputRequired()]
    )
    reason = TextAreaField(
        _l("Reason or comment for the nominator"),
        description=_l("Required to reject or return; the nominator reads it."),
        validators=[Optional(), Length(max=3000)],
        render_kw={"rows": 4},
    )
