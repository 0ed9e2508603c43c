"""The account e-mails, written in the recipient's language (not the sender's)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from lms.auth.models import User
from lms.mail import send_mail


def send_password_reset(user: User, link: str, expires_at: datetime) -> None:
    """Mail ``user`` the reset link in their preferred language. Raises MailError."""
    site = current_app.config["SITE_NAME"]
    with force_locale(user.preferred_language):
        subject = _("Reset your %(site)s password", site=site)
        body = "\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                "",
                _(
                    "Someone, probably you, asked to reset the password of your %(site)s "
                    "account (%(email)s). To choose a new password, open this link:",
                    site=site,
                    email=user.email,
                ),
                "",
                link,
                "",
                _(
                    "The link works once, until %(time)s.",
                    time=format_datetime(expires_at, "long"),
                ),
                _(
                    "If you did not ask for this, you can ignore this message: "
                    "your password stays as it is."
                ),
                "",
                site,
            ]
        )
    send_mail(user.email, subject, body)
