"""Database plumbing: declarative base, a per-app-context session and SQLite hooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True) -> None:  # migrations render ``timezone=True``
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and transactional SAVEPOINT support."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs nest properly.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


class Database:
    """Owns the engine and hands out one Session per application context.

    ``bind`` may be replaced by a Connection (tests): sessions then join its
    transaction with SAVEPOINTs, so a commit in the code under test is undone
    by the test's outer rollback.
    """

    def init_app(self, app: Flask) -> None:
        app.extensions["lms.db"] = DatabaseState(make_engine(app.config["DATABASE_URL"]))
        app.teardown_appcontext(self._teardown)
        app.teardown_request(self._teardown)  # one session per request, even in a shared context

    @staticmethod
    def _state() -> DatabaseState:
        state: DatabaseState = current_app.extensions["lms.db"]
        return state

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def bind(self) -> Engine | Connection:
        return self._state().bind

    @bind.setter
    def bind(self, value: Engine | Connection) -> None:
        self._state().bind = value

    @property
    def session(self) -> Session:
        session: Session | None = g.get("_lms_session")
        if session is None:
            session = Session(
                bind=self.bind,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
            g._lms_session = session
        return session

    @staticmethod
    def _teardown(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("_lms_session", None)
        if session is not None:
            session.close()


class DatabaseState:
    """Per-application engine and the bind that sessions use (an Engine, or a test Connection)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bind: Engine | Connection = engine


db = Database()
