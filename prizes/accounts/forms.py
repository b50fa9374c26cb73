from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from prizes.accounts.passwords import MAX_LENGTH, MIN_LENGTH, is_common
from prizes.core.forms import SiteForm, email_field, options
from prizes.core.vocabulary import STAKEHOLDER_TYPE_LABELS


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH), _not_common],
        description=_l("At least %(min)d characters. A passphrase is best.", min=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def _not_common(_form: SiteForm, field: PasswordField) -> None:
    if field.data and is_common(field.data):
        raise ValidationError(
            _l("This password is among the most used ones; please choose another.")
        )


class RegisterForm(SiteForm):
    email = email_field()
    password, confirm = new_password_fields()
    # Bot traps: a field people never see or fill, and the moment the form was served.
    nickname = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
        validators=[Optional(), Length(max=200)],
    )
    started = HiddenField(validators=[Optional(), Length(max=200)])
    # The proof of work, sent by the widget (not rendered here: the widget adds the input).
    altcha = HiddenField(_l("Check against scripts"))

    def start_clock(self) -> None:
        self.started.data = _fill_clock().dumps(0)

    def automation_signal(self, min_seconds: float) -> str | None:
        """What the bot traps say about this sending: ``"script"`` for what only a script
        does (a filled trap, a missing or forged start time), ``"too_fast"`` for what a
        person may do too (a form sent faster than it is usually filled, as a password
        manager does, or a page left open longer than the clock is kept), else None.

        The fill time is one signal among others, never a verdict on its own: the sender
        is asked to check and send again, with a fresh proof of work."""
        if self.nickname.data:
            return "script"
        try:
            _payload, signed_at = _fill_clock().loads(
                self.started.data or "", max_age=24 * 3600, return_timestamp=True
            )
        except SignatureExpired:
            return "too_fast"
        except BadData:
            return "script"
        if (datetime.now(UTC) - signed_at).total_seconds() < min_seconds:
            return "too_fast"
        return None


def _fill_clock() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="prizes.form-started")


class LoginForm(SiteForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(SiteForm):
    email = email_field()


class ConfirmLinkForm(SiteForm):
    """The button on a mailed link's page: opening a link changes nothing, pressing this
    does (so a mail scanner or a prefetching browser cannot confirm on the owner's behalf)."""


class ResetPasswordForm(SiteForm):
    password, confirm = new_password_fields()


class CodeForm(SiteForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[InputRequired(), Length(min=6, max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class ChangePasswordForm(SiteForm):
    """A fresh proof of the current password before a change that locks others out."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class ChangeEmailForm(SiteForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    email = email_field(_l("New email address"))


class ProfileForm(SiteForm):
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
