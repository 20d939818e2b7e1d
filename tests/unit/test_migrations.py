"""Alembic's head is the models: upgrading a database gives exactly the tables the code uses."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from app import create_app, migrations


def test_the_migrated_database_equals_the_models(database_url):
    create_app({"database_url": "sqlite://"})  # imports every blueprint, so every model
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_the_migrations_have_a_single_head():
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(script.get_heads()) == 1


def test_the_migration_template_imports_sqlmodel_for_its_column_types():
    template = (migrations.HERE / "script.py.mako").read_text()
    assert "import sqlmodel" in template


def _schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


def test_every_migration_downgrades_and_upgrades_again(database_url, tmp_path):
    """upgrade → downgrade to nothing → upgrade, on a database of the test's own."""
    create_app({"database_url": "sqlite://"})  # imports every model
    if database_url.startswith("sqlite"):
        engine = create_engine(f"sqlite:///{tmp_path / 'round-trip.sqlite3'}")
        schema = None
    else:
        # A schema of its own on the same server, so the run's database is left alone.
        schema = "migration_round_trip"
        engine = create_engine(database_url, connect_args={"options": f"-csearch_path={schema}"})
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        with engine.begin() as connection:
            config = migrations.alembic_config(connection=connection)
            command.upgrade(config, "head")
            assert _schema_differences(connection) == []
            command.downgrade(config, "base")
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
            command.upgrade(config, "head")
            assert _schema_differences(connection) == []
    finally:
        if schema is not None:
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
