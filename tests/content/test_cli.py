"""`lms modules check` and `lms modules import`: output and exit codes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.cli import modules_cli
from lms.content.models import ModuleVersion
from tests.content.helpers import FIXTURE_TREE, copy_tree, edit


def test_check_of_a_valid_tree_prints_ok_with_counts(app: Flask) -> None:
    result = app.test_cli_runner().invoke(modules_cli, ["check", str(FIXTURE_TREE)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"OK: {FIXTURE_TREE} has 2 modules, 4 language versions and 7 lessons.\n"
    )


def test_check_defaults_to_the_configured_modules_dir(app: Flask) -> None:
    app.config["MODULES_DIR"] = str(FIXTURE_TREE)
    result = app.test_cli_runner().invoke(modules_cli, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {FIXTURE_TREE} has 2 modules")


def test_check_lists_every_problem_and_fails(app: Flask, tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    edit(root, "en/sample-module/module.md", "version: 1", "version: one")
    edit(root, "en/second-module/module.md", "[sample-module]", "[nothing-here]")

    result = app.test_cli_runner().invoke(modules_cli, ["check", str(root)])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f'{root}/en/sample-module/module.md:4: `version` must be a whole number, not text ("one")',
        f"{root}/en/second-module/module.md:7: "
        "prerequisite nothing-here names no module in this tree",
    ]
    assert "2 problems found." in result.stderr


def test_check_of_a_missing_folder_fails(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(modules_cli, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope'}:0: the modules folder does not exist" in result.output


def test_import_stores_and_prints_the_summary(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(modules_cli, ["import", str(FIXTURE_TREE)])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "sample-module: new en v1, ko v1, zh v1",
        "second-module: new en v1",
        "Total: 4 versions imported, 0 unchanged, 0 modules refused.",
    ]
    assert len(session.scalars(select(ModuleVersion)).all()) == 4


def test_import_with_a_problem_imports_the_rest_and_fails(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    root = copy_tree(tmp_path)
    edit(root, "en/second-module/module.md", "duration_minutes: 10", "duration_minutes: ten")

    result = app.test_cli_runner().invoke(modules_cli, ["import", str(root)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{root}/en/second-module/module.md:6: `duration_minutes` must")
    assert "second-module: not imported, see the problems above" in lines
    assert {mv.module_id for mv in session.scalars(select(ModuleVersion))} == {"sample-module"}
