"""The ``lms`` command: Flask's commands plus Passage's own (db, modules, users, i18n, demo)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import (
    FlaskGroup,
    ScriptInfo,
    routes_command,
    run_command,
    shell_command,
    with_appcontext,
)

from lms import create_app
from lms.auth.cli import users_cli
from lms.config import NO_KEY_MESSAGE, ConfigError
from lms.content.cli import modules_cli
from lms.coordination.cli import coordination_cli, reminders_cli
from lms.extensions import db
from lms.i18n.cli import i18n_cli
from lms.quiz.cli import quiz_cli
from lms.schema import current_revision, head_revision, upgrade

DEMO_ACCOUNTS = (
    ("trainee@example.org", "Kim Min-ji 김민지", "trainee", "en"),
    ("trainer@example.org", "Li Wei 李伟", "trainer", "en"),
    ("coordinator@example.org", "Park Soo-yeon 박수연", "coordinator", "en"),
    ("admin@example.org", "Passage Admin", "admin", "en"),
)


def _create_app() -> Flask:
    try:
        return create_app(serving=False)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


@click.group("db")
def db_cli() -> None:
    """Database schema migrations."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the latest)."""
    upgrade(db.engine, revision)
    click.echo(f"Database at revision {current_revision(db.engine)}.")


@db_cli.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's revision and the latest one."""
    current, head = current_revision(db.engine), head_revision()
    click.echo(f"database: {current or 'empty'}\nlatest:   {head}")
    if current != head:
        sys.exit(1)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from lms.schema import alembic_config

    with db.engine.begin() as conn:
        command.revision(alembic_config(conn), message=message, autogenerate=True)


@click.command("demo")
@click.option("--modules", "root", type=click.Path(path_type=Path), default=None)
@with_appcontext
def demo(root: Path | None) -> None:
    """Prepare a demonstration site: schema, curriculum and one account per role."""
    from flask import current_app

    from lms.auth import services as accounts
    from lms.auth.models import Role
    from lms.content.services import import_tree

    if current_app.config["ENV"] == "production":
        click.echo("Refusing to create demo accounts in production (set LMS_ENV).", err=True)
        sys.exit(2)
    upgrade(db.engine)
    report = import_tree(db.session, root or Path(current_app.config["MODULES_DIR"]))
    if report.problems:
        db.session.rollback()
        for problem in report.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(report.summary())
    click.echo("\nDemo accounts (passwords are new each time this runs):")
    for email, name, role, language in DEMO_ACCOUNTS:
        password = "demo-" + secrets.token_urlsafe(9)
        accounts.upsert_user(
            db.session,
            email=email,
            name=name,
            role=Role(role),
            password=password,
            preferred_language=language,
        )
        click.echo(f"  {role:<12} {email:<26} {password}")
    db.session.commit()


@click.command("run", params=run_command.params, help=run_command.help)
@click.pass_context
def run(ctx: click.Context, **options: object) -> None:
    """Flask's development server, refusing production without a secret key."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    if app.config.get("SECRET_KEY_IS_THROWAWAY"):
        click.echo(f"Error: {NO_KEY_MESSAGE}", err=True)
        sys.exit(2)
    ctx.invoke(run_command, **options)


main = FlaskGroup(
    create_app=_create_app,
    add_default_commands=False,
    help="Passage: manage and run the training platform.",
)
for command in (
    run,
    shell_command,
    routes_command,
    db_cli,
    modules_cli,
    users_cli,
    i18n_cli,
    quiz_cli,
    demo,
):
    main.add_command(command)
main.add_command(coordination_cli)
main.add_command(reminders_cli, name="reminders")  # `lms reminders send`, for cron
