"""``lms quiz import-gift``: turn a Moodle GIFT question file into a quiz.md."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.config import LANGUAGES
from lms.content.gift import convert_gift

quiz_cli = click.Group("quiz", help="Quiz tools: convert questions from other formats.")


@quiz_cli.command("import-gift")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The quiz.md to write (default: print it).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The quiz's language: it names the true/false options.",
)
@click.option(
    "--skip-unsupported",
    is_flag=True,
    help="Write the questions that convert even when others cannot (still exits 1).",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@with_appcontext
def import_gift(
    source: Path, output: Path | None, language: str, skip_unsupported: bool, force: bool
) -> None:
    """Convert the Moodle GIFT file SOURCE to quiz.md; every question that cannot be converted
    is listed as FILE:LINE: reason, and the command then exits 1."""
    if output is not None and output.exists() and not force:
        click.echo(_("%(path)s exists: use --force to overwrite it.", path=str(output)), err=True)
        sys.exit(2)
    result = convert_gift(source.read_bytes(), source, language)
    for item in result.problems:
        click.echo(str(item), err=True)
    failed = len({item.line for item in result.problems})
    writes = result.converted > 0 and (not result.problems or skip_unsupported)
    if writes:
        if output is None:
            click.echo(result.markdown, nl=False)
        else:
            output.write_text(result.markdown, encoding="utf-8")
    click.echo(_summary(result.converted, failed, writes, output), err=True)
    if result.problems or not writes:
        sys.exit(1)


def _summary(converted: int, failed: int, writes: bool, output: Path | None) -> str:
    count = ngettext("%(num)s question", "%(num)s questions", converted)
    if writes:
        done = (
            _("Converted %(count)s to %(path)s.", count=count, path=str(output))
            if output is not None
            else _("Converted %(count)s.", count=count)
        )
        if failed:
            done += " " + ngettext(
                "%(num)s question was not converted (listed above).",
                "%(num)s questions were not converted (listed above).",
                failed,
            )
        return done
    if converted:
        return _(
            "%(failed)s not converted; nothing written (--skip-unsupported writes the other "
            "%(count)s).",
            failed=ngettext("%(num)s question", "%(num)s questions", failed),
            count=count,
        )
    if failed:
        return _("No question could be converted; nothing written.")
    return _("The file has no questions; nothing written.")
