from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from prizes.accounts.passwords import MAX_LENGTH
from prizes.core.forms import email_field, new_password_fields, options
from prizes.core.vocabulary import STAKEHOLDER_TYPE_LABELS


class RegisterForm(FlaskForm):
    email = email_field()
    password, confirm = new_password_fields()


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    """What the real contest asks of every voter before the first vote."""

    organisation_name = StringField(
        _l("Organisation name"),
        validators=[InputRequired(), Length(min=2, max=200)],
        render_kw={"autocomplete": "organization"},
    )
    organisation_type = SelectField(
        _l("Type of organisation"),
        choices=options(STAKEHOLDER_TYPE_LABELS.items(), blank=_l("Choose…")),
        validators=[InputRequired()],
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])

    def __init__(self, *args: object, countries: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = options(countries, blank=_l("Choose…"))
