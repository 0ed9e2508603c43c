"""Outgoing e-mail over SMTP. Without MAIL_SERVER, messages are written to the log instead."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

logger = logging.getLogger("lms.mail")

# 7-bit transfer encodings (quoted-printable or base64) for the UTF-8 bodies, so Korean and
# Chinese text arrives intact even through servers that do not announce 8BITMIME.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


class MailError(Exception):
    """The message could not be built or handed to the mail server."""


def build_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    """A plain-text UTF-8 message. Raises MailError for header values with line breaks."""
    message = EmailMessage(policy=MAIL_POLICY)
    try:
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
    except ValueError as error:  # e.g. a line break in a header: never let one through
        raise MailError(f"cannot build a message to {to!r}: {error}") from error
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_sender_domain(sender))
    message.set_content(body, charset="utf-8")
    return message


def _sender_domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message to one address. Raises MailError."""
    config = current_app.config
    message = build_message(to, subject, body, str(config["MAIL_SENDER"]))
    server = str(config["MAIL_SERVER"] or "")
    if not server:
        _log_instead(to, subject, body)
        return
    port = int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    try:
        smtp: smtplib.SMTP
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(
                server, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(server, port, timeout=timeout)
        with smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(str(config["MAIL_USERNAME"]), str(config["MAIL_PASSWORD"]))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"could not send mail to {to} through {server}:{port}: {error}") from error
    logger.info("Sent mail to %s: %s", to, subject)


def _log_instead(to: str, subject: str, body: str) -> None:
    # Development without a mail server: the message (say, a reset link) must be readable
    # in the console. Flask attaches its stderr handler to the "lms" logger on first use,
    # and an unset level would let only warnings through.
    current_app.logger  # noqa: B018
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    logger.info(
        "No MAIL_SERVER set: this message was not sent.\nTo: %s\nSubject: %s\n\n%s",
        to,
        subject,
        body,
    )
