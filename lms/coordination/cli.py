"""``lms coordination``: coordinators' organisations, CSV import and invitations."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from lms.auth import services as accounts
from lms.auth.models import Role, User
from lms.coordination import csv_import, invitations, reminders
from lms.coordination.models import Organisation
from lms.coordination.services import organisations as orgs
from lms.coordination.services.errors import CoordinationError
from lms.extensions import db

coordination_cli = click.Group(
    "coordination", help="Coordinators' organisations, CSV import of trainees, invitations."
)


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _coordinator(email: str) -> User:
    user = accounts.find_user(db.session, email)
    if user is None:
        _fail(f"no account has the e-mail address {email}.")
    assert user is not None
    if user.role is not Role.coordinator:
        _fail(f"{user.email} is a {user.role.value}, not a coordinator.")
    return user


def _organisations(names: tuple[str, ...]) -> list[Organisation]:
    found = []
    for name in names:
        organisation = orgs.find_organisation(db.session, name)
        if organisation is None:
            _fail(f"there is no organisation called {name!r}.")
        assert organisation is not None
        found.append(organisation)
    return found


@coordination_cli.command("assign")
@click.argument("email")
@click.argument("organisations", nargs=-1, required=True)
@with_appcontext
def assign(email: str, organisations: tuple[str, ...]) -> None:
    """Let the coordinator EMAIL manage ORGANISATIONS (names; quote names with spaces)."""
    coordinator = _coordinator(email)
    for organisation in _organisations(organisations):
        new = orgs.assign_organisation(db.session, coordinator, organisation)
        state = "now manages" if new else "already managed"
        click.echo(f"{coordinator.email} {state} {organisation.name}.")
    db.session.commit()


@coordination_cli.command("unassign")
@click.argument("email")
@click.argument("organisations", nargs=-1, required=True)
@with_appcontext
def unassign(email: str, organisations: tuple[str, ...]) -> None:
    """Stop the coordinator EMAIL managing ORGANISATIONS."""
    coordinator = _coordinator(email)
    for organisation in _organisations(organisations):
        removed = orgs.unassign_organisation(db.session, coordinator, organisation)
        state = "no longer manages" if removed else "did not manage"
        click.echo(f"{coordinator.email} {state} {organisation.name}.")
    db.session.commit()


@coordination_cli.command("scope")
@click.argument("email")
@with_appcontext
def show_scope(email: str) -> None:
    """List the organisations the coordinator EMAIL manages."""
    coordinator = _coordinator(email)
    assigned = orgs.assigned_organisations(db.session, coordinator)
    if not assigned:
        click.echo(f"{coordinator.email} manages no organisation.")
    for organisation in assigned:
        click.echo(f"{organisation.name} ({organisation.country}, {organisation.kind.value})")


def _check_links_possible() -> None:
    if not current_app.config.get("SERVER_NAME"):
        _fail(
            "invitation links need the site's address: set LMS_SERVER_NAME (e.g. "
            "passage.example.org), or pass --no-invitations and send them later with "
            "`lms coordination send-invitations`."
        )


@coordination_cli.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and change nothing.")
@click.option(
    "--as",
    "as_email",
    default=None,
    help="Import within this coordinator's organisations (default: any organisation).",
)
@click.option(
    "--invitations/--no-invitations",
    "send_invites",
    default=True,
    show_default=True,
    help="E-mail an invitation to every new account.",
)
@with_appcontext
def import_csv(file: Path, dry_run: bool, as_email: str | None, send_invites: bool) -> None:
    """Import trainees from FILE (CSV: name, email, organisation, preferred_language, cohort)."""
    actor = None
    if as_email is not None:
        actor = accounts.find_user(db.session, as_email)
        if actor is None or actor.role not in (Role.coordinator, Role.admin):
            _fail(f"{as_email} is not a coordinator or admin account.")
    limits = csv_import.Limits.from_config(current_app.config)
    data = file.read_bytes()
    with force_locale("en"):  # messages on a terminal: English, whatever the accounts use
        try:
            plan = csv_import.plan_import(db.session, data, actor, limits)
        except csv_import.CsvFileError as error:
            _fail(f"{file}: {error}")
            return
        for problem in plan.problems:
            column = f" [{problem.column}]" if problem.column else ""
            click.echo(f"{file}:{problem.line}{column}: {problem.message}", err=True)
        summary = (
            f"{len(plan.parsed.records)} rows: {plan.count('create')} new, "
            f"{plan.count('update')} existing accounts joining, "
            f"{plan.count('unchanged')} unchanged, {len(plan.bad_lines)} with problems."
        )
        if dry_run or not plan.ok:
            click.echo(summary)
            click.echo("Dry run: nothing was changed." if dry_run else "Nothing was imported.")
            db.session.rollback()
            sys.exit(0 if plan.ok else 1)
        if send_invites:
            _check_links_possible()
        try:
            result = csv_import.commit_import(db.session, data, actor, limits)
        except (CoordinationError, IntegrityError) as error:
            _fail(f"nothing was imported: {error}")
            return
        db.session.commit()
        click.echo(summary)
        click.echo(
            f"Imported: {len(result.created)} accounts created, "
            f"{result.memberships_added} memberships and "
            f"{result.participations_added} cohort places added."
        )
        if send_invites and result.created:
            _send(result.created, actor)


def _send(users: list[User], inviter: User | None) -> None:
    sent, failed = invitations.send_invitations(db.session, users, inviter=inviter)
    db.session.commit()
    click.echo(f"{sent} invitations sent.")
    if failed:
        for user in failed:
            click.echo(f"Invitation to {user.email} could not be sent.", err=True)
        sys.exit(1)


@coordination_cli.command("send-invitations")
@with_appcontext
def send_pending() -> None:
    """Send the invitations that were never sent (e.g. after a mail server outage)."""
    users = invitations.unsent_invitations(db.session)
    if not users:
        click.echo("Every invitation has been sent.")
        return
    _check_links_possible()
    _send(users, None)


# Reminders (lms.coordination.reminders) -------------------------------------------------------


@coordination_cli.group("reminders")
def reminders_cli() -> None:
    """E-mail reminders of modules due and certificates expiring (run daily from cron)."""


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="List who would be reminded of what; send nothing.")
@with_appcontext
def send_reminders(dry_run: bool) -> None:
    """Remind trainees of overdue or soon-due modules and certificates about to expire.

    One mail per person in their language; the same reminder at most once in
    REMINDER_INTERVAL_DAYS, however often this runs. Exits 1 when a mail could not be sent.
    """
    try:
        settings = reminders.Settings.from_config(current_app.config)
    except ValueError as error:
        _fail(str(error))
        return
    if not dry_run and not current_app.config.get("SERVER_NAME"):
        _fail(
            "reminder mails link to the site: set LMS_SERVER_NAME (e.g. passage.example.org; "
            "cron jobs do not read the web server's environment)."
        )
    summary = reminders.send_reminders(db.session, settings, dry_run=dry_run)
    for recipient, items in summary.planned:
        listed = ", ".join(
            f"{item.module_id} (certificate {item.certificate_code})"
            if item.certificate_code
            else f"{item.module_id} (due {item.due_on})"
            for item in items
        )
        click.echo(f"Would remind {recipient.email} [{recipient.language}]: {listed}")
    for address, problem in summary.failed:
        click.echo(f"Could not send the reminder to {address}: {problem}", err=True)
    skipped = (
        f"{summary.skipped} skipped ({len(summary.without_password)} without a password, "
        f"{len(summary.switched_off)} switched off, "
        f"{len(summary.reminded_recently)} reminded in the last {settings.interval_days} days)"
    )
    if dry_run:
        click.echo(f"Dry run: {len(summary.planned)} would be reminded, {skipped}. Nothing sent.")
        return
    click.echo(f"Reminders: {len(summary.sent)} sent, {skipped}, {len(summary.failed)} failed.")
    if summary.failed:
        sys.exit(1)
