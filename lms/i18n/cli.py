"""``lms i18n``: the translation catalog workflow (extract, update, compile, check)."""

from __future__ import annotations

import sys

import click
from babel.messages.frontend import CommandLineInterface

from lms.config import ROOT

TRANSLATIONS = ROOT / "lms" / "translations"
POT = TRANSLATIONS / "messages.pot"


def pybabel(*args: str) -> None:
    """Run a pybabel command in-process; exit non-zero if it fails."""
    try:
        CommandLineInterface().run(["pybabel", "-q", *args])
    except SystemExit as exit_:
        if exit_.code:
            click.echo(f"pybabel {args[0]} failed", err=True)
            sys.exit(1)


def extract(output: str) -> None:
    pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "Passage",
        "--msgid-bugs-address",
        "translations@passage.invalid",
        "-o",
        output,
        str(ROOT),  # babel.cfg's patterns are relative to the repository root
    )


@click.group("i18n")
def i18n_cli() -> None:
    """Interface translations: extract, update, compile, check."""


@i18n_cli.command("extract")
def extract_cmd() -> None:
    """Collect every translatable string into lms/translations/messages.pot."""
    extract(str(POT))


@i18n_cli.command("update")
def update_cmd() -> None:
    """Merge the template into the ko and zh catalogs (new strings appear untranslated)."""
    extract(str(POT))
    pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@i18n_cli.command("compile")
def compile_cmd() -> None:
    """Compile the catalogs to .mo files that the application reads."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@i18n_cli.command("check")
def check_cmd() -> None:
    """Fail if the catalogs are out of step with the template."""
    pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--check", "--no-fuzzy-matching")
