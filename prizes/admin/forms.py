from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from prizes.accounts.models import Role
from prizes.core.forms import options

ROLE_LABELS = {
    Role.STAKEHOLDER: _l("Stakeholder"),
    Role.EXPERT: _l("Expert"),
    Role.SECRETARIAT: _l("Secretariat"),
}


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Email or organisation"), validators=[Optional(), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=options(ROLE_LABELS.items(), blank=_l("Any")),
        validators=[Optional()],
    )


class RoleChangeForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=options((r, ROLE_LABELS[r]) for r in (Role.STAKEHOLDER, Role.SECRETARIAT)),
        validators=[InputRequired()],
    )
    action = HiddenField(validators=[InputRequired(), AnyOf(["grant", "revoke"])])
