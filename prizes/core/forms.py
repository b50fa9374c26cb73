"""Shared form pieces."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, TypeVar

from babel.support import NullTranslations, Translations
from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import EmailField

# SelectChoice is new in WTForms 3.3; its stubs (types-WTForms) still describe 3.2.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.i18n import messages_path
from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import Select, html_params


class QuickSelect(Select):
    """A <select> whose options are written straight out: WTForms builds each option's
    attributes through ``html_params``, which for the 250 countries and the other lists of
    the search form was half of the page's time. The same markup, without per-option
    attributes (no form here gives its options any)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for flag in self.validation_attrs:
            if flag in flags and flag not in kwargs:
                kwargs[flag] = getattr(flags, flag)
        parts = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label, selected, _render_kw in field.iter_choices():
            mark = " selected" if selected else ""
            parts.append(f'<option{mark} value="{escape(value)}">{escape(label)}</option>')
        parts.append("</select>")
        # Every value and label is escaped above, as WTForms' own widget does.
        return Markup("".join(parts))  # noqa: S704  # nosec B704


class OptionalChoice(Optional):
    """Optional, for a choice: a blank answer (spaces included) is no answer and its data is
    None. Plain Optional clears the "not a valid choice" error of a blank-but-not-empty value
    and leaves the value itself, which the form would then hand on as a choice."""

    def __call__(self, form: Any, field: Any) -> None:
        try:
            super().__call__(form, field)
        except StopValidation:
            field.data = None
            raise


class SiteForm(FlaskForm):
    """The base of every form here: CSRF from Flask-WTF, and WTForms' own messages in the
    reader's language with their catalogue read once per language (Flask-WTF reads it from
    disk again for every request that builds a form, a sixth of a vote's time)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            locale = get_locale()
            return _wtforms_messages(str(locale)) if locale else None


T = TypeVar("T")


def given(value: T | None) -> T:
    """The value of a field the form requires, once ``validate()`` has passed: its
    validators saw that it is there, so a None here is a bug in the form, never bad input."""
    if value is None:
        raise ValueError("a required field has no value: validate the form first")
    return value


@functools.cache
def _wtforms_messages(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


def options(pairs: Iterable[tuple[Any, Any]], *, blank: Any = None) -> list[SelectChoice]:
    """Choices for a SelectField; ``blank`` adds a first, empty "choose" option.

    Labels stay as given: a lazy string made when the module loads is read when the page
    is drawn, in the reader's language."""
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(str(value), label) for value, label in pairs]


def email_field(label: Any = None) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
        render_kw={"autocomplete": "email"},
    )


def form_page(template: str, form: SiteForm, **context: Any) -> tuple[str, int]:
    """Render a form page: 200 when first shown, 422 when it comes back with errors."""
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
