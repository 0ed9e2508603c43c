"""``lms users``: create and list accounts from the command line."""

from __future__ import annotations

import sys
import unicodedata

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from lms.auth import services
from lms.auth.models import Role, User
from lms.config import LANGUAGES
from lms.extensions import db

users_cli = click.Group("users", help="Accounts: create and list.")


@users_cli.command("create")
@click.option("--email", required=True, help="The account's e-mail address (its sign-in name).")
@click.option("--name", required=True, help="The person's full name, as on certificates.")
@click.option(
    "--role", type=click.Choice([role.value for role in Role]), required=True, help="What they do."
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Interface and e-mail language.",
)
@click.option(
    "--password",
    default=None,
    help="The password; asked for (hidden, twice) when not given.",
)
@with_appcontext
def create(email: str, name: str, role: str, language: str, password: str | None) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # Messages are translated strings; outside a request, say them in English.
    with force_locale("en"):
        try:
            user = services.create_user(
                db.session,
                email=email,
                name=name,
                password=password or "",
                role=Role(role),
                preferred_language=language,
            )
        except services.EmailTaken:
            db.session.rollback()
            click.echo(
                f"Error: an account with the e-mail address {email} already exists.", err=True
            )
            sys.exit(1)
        except services.AccountError as error:
            db.session.rollback()
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email} ({user.name}).")


def _width(text: str) -> int:
    # Hangul and Hanzi take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List every account: e-mail, name, role, language."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    if not users:
        click.echo("No accounts yet. Create one with `lms users create`.")
        return
    header = ("E-MAIL", "NAME", "ROLE", "LANGUAGE")
    rows = [header] + [
        (
            user.email,
            user.name,
            user.role.value if user.is_active_account else f"{user.role.value} (inactive)",
            user.preferred_language,
        )
        for user in users
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
