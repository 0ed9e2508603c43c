"""Test fixtures: every data-layer test runs on SQLite and on PostgreSQL.

PostgreSQL: set ``LMS_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
A throw-away database is created next to it for each run and dropped afterwards. Without the
variable the PostgreSQL half is skipped with a message; with it, a server that cannot be
reached fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lms import create_app
from lms.auth.models import User
from lms.db import make_engine
from lms.models import metadata

PG_URL_VAR = "LMS_TEST_DATABASE_URL"
FIXTURES = Path(__file__).parent / "fixtures"


def _postgres_engine() -> Iterator[Engine]:
    url = os.environ.get(PG_URL_VAR)
    if not url:
        if os.environ.get("LMS_TEST_REQUIRE_SERVICES"):
            pytest.fail(
                f"{PG_URL_VAR} is not set, but LMS_TEST_REQUIRE_SERVICES requires PostgreSQL"
            )
        pytest.skip(f"PostgreSQL tests skipped: set {PG_URL_VAR} to run them")
    admin_url = make_url(url)
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # fails loudly when the server cannot be reached
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "test.db"
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database with the current schema (create_all); one per backend per test run."""
    if request.param == "sqlite":
        gen = _sqlite_engine(tmp_path_factory)
    else:
        gen = _postgres_engine()
    eng = next(gen)
    metadata.create_all(eng)
    yield eng
    try:
        next(gen)
    except StopIteration:
        pass


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


def app_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": "sqlite://",  # replaced by the test connection below
        "WTF_CSRF_ENABLED": False,
        "SCHEMA_CHECK": False,
        "REDIS_URL": "",
        "MAIL_SERVER": "",
        "SERVER_NAME": "passage.test",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(connection: Connection, app_overrides: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config(**app_overrides))
    app.extensions["lms.db"].bind = connection
    # No application context stays pushed: each test-client request gets its own, with a fresh
    # ``g``, as in production. Tests that need one use ``with app.app_context():``.
    yield app


@pytest.fixture
def session(app: Flask, connection: Connection) -> Iterator[Session]:
    """The test's own session on the test connection (requests get theirs, per request).

    Its ``commit()`` only releases a SAVEPOINT. Objects are not expired on commit: after a
    request changed a row, call ``session.expire_all()`` (or ``refresh``) before reading it.
    """
    sess = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield sess
    sess.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Mark ``client`` as signed in as ``user`` without going through the form."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
    return client


@pytest.fixture
def count_queries(connection: Connection) -> Callable[[], AbstractContextManager[list[str]]]:
    """``with count_queries() as statements:`` records each SQL statement on the connection."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", record)

    return counting


REDIS_URL_VAR = "LMS_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_URL_VAR)
    if not url:
        if os.environ.get("LMS_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"{REDIS_URL_VAR} is not set, but LMS_TEST_REQUIRE_SERVICES requires Redis")
        pytest.skip(f"Redis tests skipped: set {REDIS_URL_VAR} (e.g. redis://127.0.0.1:6379/15)")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"lms-test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    client.ping()  # an unreachable server fails the test here
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(params=["memory", "redis"])
def limiter_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Rate-limiter settings for each backend: process memory, then a real Redis."""
    if request.param == "memory":
        return {"REDIS_URL": ""}
    prefix = request.getfixturevalue("redis_prefix")
    return {"REDIS_URL": request.getfixturevalue("redis_url"), "RATELIMIT_KEY_PREFIX": prefix}
