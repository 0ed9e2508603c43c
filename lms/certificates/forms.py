"""Forms of the certificate pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.certificates.codes import EXAMPLE
from lms.certificates.services import REASON_MAX_LENGTH


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class VerifyForm(Form):
    """The public lookup: a GET form (it changes nothing, so it needs no CSRF token)."""

    code = StringField(
        _l("Certificate code"),
        filters=[_strip],
        render_kw={
            "placeholder": EXAMPLE,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give the reason for revoking this certificate.")),
            Length(
                max=REASON_MAX_LENGTH,
                message=_l("The reason has at most %(max)d characters.", max=REASON_MAX_LENGTH),
            ),
        ],
    )
