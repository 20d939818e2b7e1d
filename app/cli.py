"""flask commands: migrations, demo seed, key generation and rotation."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import SQLModel

from app import crypto, db, migrations
from app.content import report


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Apply every Alembic migration up to head."""
        migrations.upgrade(current_app.config["TEND"].database_url)
        click.echo("Database is up to date.")

    @app.cli.command("demo-seed")
    @click.option("--if-empty", is_flag=True, help="Do nothing when people already exist.")
    def demo_seed(if_empty: bool):
        """Create the demo cohort and accounts (refused in production)."""
        from app.demo import DemoRefused, seed

        try:
            created = seed(current_app.config["TEND"], db.engine(), only_if_empty=if_empty)
        except DemoRefused as refused:
            raise click.ClickException(str(refused)) from refused
        if created is None:
            click.echo("Demo data already present; nothing changed.")
            return
        click.echo(f"Demo accounts (password: {created.password}):")
        for email, role in created.accounts:
            click.echo(f"  {role:<12} {email}")

    # An AppGroup, so its commands run inside the app context (also under the test runner).
    content = AppGroup("content", help="Check and report on the content bundles.")
    app.cli.add_command(content)

    @content.command("check")
    def content_check():
        """Validate every bundle; print `file: field: problem` lines."""
        problems = report.check(Path(current_app.config["TEND"].content_root))
        for line in problems:
            click.echo(line)
        if problems:
            raise click.ClickException(f"{len(problems)} problem(s) in the content bundles.")
        click.echo("All bundles are sound.")

    @content.command("report")
    def content_report():
        """Print coverage per bundle and locale."""
        click.echo(report.coverage_table(Path(current_app.config["TEND"].content_root)))

    @app.cli.command("reset-second-factor")
    @click.argument("email")
    def reset_second_factor_command(email: str):
        """Forget a person's second factors and recovery codes, after checking who they are."""
        from sqlmodel import select

        from app.auth.services import normalise_email
        from app.models import User
        from app.second_factor.reset import reset_second_factor

        session = db.session()
        user = session.exec(select(User).where(User.email == normalise_email(email))).first()
        if user is None:
            raise click.ClickException("No account has that email.")
        reset_second_factor(session, None, user)
        click.echo(
            "Second factors and recovery codes removed; every session of that account ended."
        )

    @app.cli.command("generate-key")
    def generate_key():
        """Print a new data key for DATA_KEYS."""
        click.echo(crypto.generate_key())

    @app.cli.command("rotate-keys")
    def rotate_keys():
        """Re-encrypt every encrypted value under the first key of DATA_KEYS."""
        with db.engine().begin() as connection:
            changed = crypto.rotate(connection, SQLModel.metadata)
        click.echo(f"Re-encrypted {changed} value(s) under the newest key.")
