"""Alembic migrations, run from the ``lms db`` commands, and the start-up schema check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is not at the latest migration."""


def alembic_config(bind: Engine | Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = bind
    return cfg


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    cfg = alembic_config(bind)
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    else:
        command.upgrade(cfg, revision)


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config())
    return script.get_current_head()


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return MigrationContext.configure(bind).get_current_revision()


def check_schema(bind: Engine | Connection) -> None:
    """Raises SchemaOutOfDate with a message that says what to run."""
    current, head = current_revision(bind), head_revision()
    if current != head:
        state = "has no Passage tables yet" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"The database schema is out of date: it {state}, the code needs {head}. "
            "Run `lms db upgrade` (back up the database first), then start Passage again."
        )
