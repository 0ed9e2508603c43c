"""Migrations build the same schema as the models, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from lms.models import metadata
from lms.schema import SchemaOutOfDate, check_schema, current_revision, head_revision, upgrade


def _fresh_connection(engine: Engine):  # type: ignore[no-untyped-def]
    """A connection whose transaction is rolled back, in an empty schema of its own."""
    conn = engine.connect()
    trans = conn.begin()
    if engine.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE SCHEMA migration_check")
        conn.exec_driver_sql("SET LOCAL search_path TO migration_check")
    return conn, trans


def test_migrations_match_models_without_drift(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        from lms.db import make_engine

        target = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
        upgrade(target)
        with target.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            assert current_revision(conn) == head_revision()
        target.dispose()
    else:
        conn, trans = _fresh_connection(engine)
        try:
            upgrade(conn)
            assert set(inspect(conn).get_table_names(schema="migration_check")) >= {
                t.name for t in metadata.sorted_tables
            }
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_schemas": False}), metadata
            )
            assert current_revision(conn) == head_revision()
        finally:
            trans.rollback()
            conn.close()
    assert diff == []


def test_out_of_date_schema_is_refused_with_instructions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lms.db import make_engine

    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        check_schema(empty)
    except SchemaOutOfDate as error:
        assert "lms db upgrade" in str(error)
    else:
        raise AssertionError("an empty database passed the schema check")
    finally:
        empty.dispose()
