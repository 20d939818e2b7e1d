"""Alembic's head is the models: upgrading a database gives exactly the tables the code uses."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
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
