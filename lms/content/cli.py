"""``lms modules check|import``: validate and import the Markdown curriculum."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.content.services import import_tree
from lms.content.validation import scan_tree
from lms.extensions import db

modules_cli = click.Group("modules", help="Check and import training modules (Markdown).")


def _root(path: Path | None) -> Path:
    return path if path is not None else Path(current_app.config["MODULES_DIR"])


@modules_cli.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def check(path: Path | None) -> None:
    """Check every module under PATH (default: MODULES_DIR) and list each problem."""
    root = _root(path)
    scan = scan_tree(root)
    problems = scan.problems
    for item in problems:
        click.echo(str(item))
    if problems:
        click.echo(
            ngettext("%(num)s problem found.", "%(num)s problems found.", len(problems)), err=True
        )
        sys.exit(1)
    modules, versions, lessons = scan.counts()
    click.echo(
        _(
            "OK: %(root)s has %(modules)s, %(versions)s and %(lessons)s.",
            root=str(root),
            modules=ngettext("%(num)s module", "%(num)s modules", modules),
            versions=ngettext("%(num)s language version", "%(num)s language versions", versions),
            lessons=ngettext("%(num)s lesson", "%(num)s lessons", lessons),
        )
    )


@modules_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def import_(path: Path | None) -> None:
    """Import every module under PATH (default: MODULES_DIR); modules with problems are skipped."""
    report = import_tree(db.session, _root(path))
    db.session.commit()
    for item in report.problems:
        click.echo(str(item))
    click.echo(report.summary())
    if report.problems:
        sys.exit(1)
