"""The ``lms`` command as an operator uses it, with settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lms.cli import main


@pytest.fixture
def production_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db_path = tmp_path / "ops.db"
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{db_path}")
    return db_path


def test_management_commands_work_in_production_without_a_secret_key(production_env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["db", "current"])
    assert result.exit_code == 1 and "database: empty" in result.output
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["db", "current"])
    assert result.exit_code == 0, result.output


def test_development_server_refuses_production_without_a_secret_key(production_env: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--port", "5999"])
    assert result.exit_code == 2
    assert "LMS_SECRET_KEY is not set" in result.output


def test_demo_accounts_are_never_created_in_production(production_env: Path) -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 2
    assert "production" in result.output
