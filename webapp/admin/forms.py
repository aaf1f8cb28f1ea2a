"""Forms of the admin pages; every state change is a POST form with a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    Form,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.lazy_text import lazy_gettext as _l
from webapp.models import Role

ROLE_LABELS = {
    Role.OPERATOR: _l("Operator: creates payouts"),
    Role.MANAGER: _l("Manager: approves or rejects other people's payouts"),
    Role.ADMIN: _l("Admin: manages users and settings"),
    Role.AUDITOR: _l("Auditor: reads everything, changes nothing"),
}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(label)) for role, label in ROLE_LABELS.items()]


class RoleCheckboxes(SelectMultipleField):
    """Several roles, one checkbox each."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def roles_field() -> RoleCheckboxes:
    return RoleCheckboxes(
        _l("Roles"), choices=role_choices,  # called per form: labels in the viewer's language
        validators=[DataRequired(message=_l("Give the user at least one role."))],
    )


class CreateUserForm(FlaskForm):
    """No password here: the user chooses one on the set-up link a second admin receives."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=64)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=128)])
    roles = roles_field()


class RolesForm(FlaskForm):
    roles = roles_field()


class ActionForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""


class AuditFilterForm(Form):
    """Filters of the audit log: a GET form, so no CSRF token (it changes nothing)."""

    action = SelectField(_l("Action"), validators=[Optional()])
    user = StringField(_l("User"), validators=[Optional(), Length(max=64)])
