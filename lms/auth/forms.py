"""Sign-in, registration and account forms (the password policy itself is in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, InputRequired, Length

from lms.auth.models import Role
from lms.auth.services import NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH
from lms.config import LANGUAGES
from lms.i18n.locale import LANGUAGE_NAMES
from lms.templating import html_lang

ROLE_LABELS = {
    Role.trainee: _l("Trainee"),
    Role.trainer: _l("Trainer"),
    Role.coordinator: _l("Coordinator"),
    Role.admin: _l("Administrator"),
}
# Each language is named in itself (and marked so), so people find theirs whatever the
# page language is.
LANGUAGE_CHOICES = [
    SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": html_lang(code)})
    for code in LANGUAGES
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
        ],
    )


def _language_field() -> SelectField:
    # Our own check and message (translatable) instead of WTForms' "Not a valid choice".
    return SelectField(
        _l("Language"),
        choices=LANGUAGE_CHOICES,
        validate_choice=False,
        validators=[AnyOf(LANGUAGES, message=_l("Choose one of the languages in the list."))],
    )


def _name_field() -> StringField:
    return StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(
                max=NAME_MAX_LENGTH,
                message=_l("The name can have at most %(n)d characters.", n=NAME_MAX_LENGTH),
            ),
        ],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Enter a new password."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Repeat the new password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    return new, confirm


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(message=_l("Enter your password.")),
            Length(
                max=PASSWORD_MAX_LENGTH,
                message=_l("A password has at most %(n)d characters.", n=PASSWORD_MAX_LENGTH),
            ),
        ],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(FlaskForm):
    name = _name_field()
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Email(message=_l("Enter a valid e-mail address, like name@example.org.")),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Choose a password."))]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    preferred_language = _language_field()


class ProfileForm(FlaskForm):
    name = _name_field()
    preferred_language = _language_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password."))],
    )
    password, confirm = _new_password_fields()


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()
