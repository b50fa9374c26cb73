from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from prizes.contest.models import Category, Edition
from prizes.core.forms import OptionalChoice, QuickSelect, SiteForm, given, options
from prizes.core.vocabulary import (
    SDG_NAMES,
    STAKEHOLDER_TYPE_LABELS,
    ActionLine,
    StakeholderType,
    action_line_label,
)
from prizes.stocktaking.fields import EntryFields
from prizes.stocktaking.models import StocktakingEntry
from prizes.stocktaking.queries import EntryFilters, Sort

SORT_LABELS = {
    Sort.RELEVANCE: _l("Best match"),
    Sort.NEWEST: _l("Newest"),
    Sort.TITLE: _l("Title"),
    Sort.ORGANISATION: _l("Organisation"),
    Sort.COUNTRY: _l("Country"),
}
# Lazy labels: read when the form is drawn, in the reader's language.
SDG_OPTIONS = [(n, LazyString(lambda n=n: f"{n}. {SDG_NAMES[n]}")) for n in SDG_NAMES]
ACTION_LINE_OPTIONS = [(line.value, LazyString(action_line_label, line)) for line in ActionLine]


class SearchForm(SiteForm):
    """The public search; a GET form that changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), validators=[OptionalChoice()], widget=QuickSelect())
    action_line = SelectField(
        _l("Action line"),
        choices=options(ACTION_LINE_OPTIONS, blank=_l("Any")),
        validators=[OptionalChoice()],
        widget=QuickSelect(),
    )
    sdg = SelectField(
        _l("SDG"),
        choices=options(SDG_OPTIONS, blank=_l("Any")),
        validators=[OptionalChoice()],
        widget=QuickSelect(),
    )
    country = SelectField(_l("Country"), validators=[OptionalChoice()], widget=QuickSelect())
    stakeholder_type = SelectField(
        _l("Stakeholder type"),
        choices=options(STAKEHOLDER_TYPE_LABELS.items(), blank=_l("Any")),
        validators=[OptionalChoice()],
        widget=QuickSelect(),
    )
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1990, max=2100)])
    nominable = BooleanField(_l("Can be nominated now"))
    sort = SelectField(
        _l("Sort by"),
        choices=options(SORT_LABELS.items()),
        validators=[OptionalChoice()],
        widget=QuickSelect(),
    )

    def __init__(
        self,
        *args: object,
        categories: list[Category],
        countries: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._categories = {str(c.id): c for c in categories}
        self.category.choices = options(
            ((c.id, f"{c.number}. {c.name}") for c in categories), blank=_l("Any")
        )
        self.country.choices = options(countries, blank=_l("Any"))

    def filters(self, *, open_edition: Edition | None = None) -> EntryFilters:
        """The validated filters (call after ``validate()``); ``open_edition`` is the edition
        open for submissions, that "can be nominated now" asks about."""
        return EntryFilters(
            text=self.q.data or "",
            category=self._categories.get(self.category.data or ""),
            action_line=ActionLine(self.action_line.data) if self.action_line.data else None,
            sdg=int(self.sdg.data) if self.sdg.data else None,
            country=self.country.data or None,
            stakeholder_type=StakeholderType(self.stakeholder_type.data)
            if self.stakeholder_type.data
            else None,
            year=self.year.data,
            sort=Sort(self.sort.data) if self.sort.data else Sort.RELEVANCE,
            nominable=bool(self.nominable.data),
            open_edition=open_edition,
        )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EntryForm(SiteForm):
    title = StringField(_l("Project title"), validators=[InputRequired(), Length(min=3, max=300)])
    organisation = StringField(
        _l("Organisation"), validators=[InputRequired(), Length(min=2, max=300)]
    )
    stakeholder_type = SelectField(
        _l("Type of organisation"),
        choices=options(STAKEHOLDER_TYPE_LABELS.items(), blank=_l("Choose…")),
        validators=[InputRequired()],
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])
    description = TextAreaField(
        _l("Description"),
        validators=[InputRequired(), Length(min=20, max=10000)],
        render_kw={"rows": 8},
    )
    action_lines = MultiCheckboxField(
        _l("WSIS Action Lines"),
        choices=options(ACTION_LINE_OPTIONS),
        validators=[InputRequired(message=_l("Choose at least one action line."))],
    )
    sdgs = MultiCheckboxField(_l("Sustainable Development Goals"), choices=options(SDG_OPTIONS))
    website = URLField(
        _l("Website"), validators=[Optional(), Length(max=500), URL(require_tld=False)]
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])

    def __init__(self, *args: object, countries: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = options(countries, blank=_l("Choose…"))

    @staticmethod
    def data_of(entry: StocktakingEntry) -> dict[str, Any]:
        """The form's initial values for editing ``entry``."""
        return {
            "title": entry.title,
            "organisation": entry.organisation,
            "stakeholder_type": entry.stakeholder_type.value,
            "country": entry.country,
            "description": entry.description,
            "action_lines": [line.value for line in entry.action_line_codes],
            "sdgs": [str(sdg) for sdg in entry.sdg_numbers],
            "website": entry.website,
            "start_date": entry.start_date,
            "end_date": entry.end_date,
        }

    def fields(self) -> EntryFields:
        """The validated answers (call after ``validate()``)."""
        return EntryFields(
            title=given(self.title.data),
            organisation=given(self.organisation.data),
            stakeholder_type=StakeholderType(self.stakeholder_type.data),
            country=self.country.data,
            description=given(self.description.data),
            action_lines=[ActionLine(code) for code in self.action_lines.data or []],
            sdgs=[int(number) for number in self.sdgs.data or []],
            website=self.website.data or None,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
        )

    def validate_end_date(self, field: DateField) -> None:
        start: date | None = self.start_date.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_website(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Use an address starting with http:// or https://."))
