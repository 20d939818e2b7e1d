"""flask commands: migrations, backups, demo seed, key generation and rotation."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import SQLModel

from app import backup, crypto, db, migrations
from app.content import report


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Apply every Alembic migration up to head."""
        migrations.upgrade(current_app.config["TEND"].database_url)
        click.echo("Database is up to date.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path):
        """Write a consistent copy of the database to PATH while Tend runs.

        SQLite: a single file made with SQLite's online backup API (recent saves live in the
        -wal file, which a plain copy of the database file leaves behind). PostgreSQL:
        pg_dump in custom format (restore it with `flask restore`, or pg_restore).
        """
        url = current_app.config["TEND"].database_url
        try:
            backup.backup(url, path)
            checked = backup.check(url, path)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {path} (schema revision {checked.revision}).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.option("--force", is_flag=True, help="Restore even though Tend has the database open.")
    @click.option(
        "--upgrade/--no-upgrade",
        default=None,
        help="Migrate a backup from an older Tend to this version's schema (asked if not given).",
    )
    def restore_command(path: Path, force: bool, upgrade: bool | None):
        """Replace the database with the backup at PATH, after checking it.

        The backup must pass the integrity check and carry a schema revision this version of
        Tend knows. Stop the web and worker processes first: a restore under a running app
        is refused without --force. On SQLite the replaced database is kept beside it (with
        its -wal and -shm) as NAME.replaced-TIMESTAMP.
        """
        url = current_app.config["TEND"].database_url
        # This command's own connections must not count as a running app.
        db.engine().dispose()
        try:
            checked = backup.check(url, path)
            if checked.needs_upgrade and upgrade is None:
                upgrade = click.confirm(
                    f"The backup's schema is revision {checked.revision}; this version of Tend "
                    f"expects {checked.expected}. Upgrade it after restoring?",
                    default=True,
                )
            if checked.needs_upgrade and not upgrade:
                raise click.ClickException(
                    "Nothing restored: this version of Tend cannot run on the backup's older "
                    "schema. Run again with --upgrade, or restore it with the Tend it came from."
                )
            kept = backup.restore(url, path, force=force)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from error
        if kept is not None:
            click.echo(f"The database it replaced is kept as {kept}.")
        if checked.needs_upgrade:
            migrations.upgrade(url)
            click.echo(f"Restored from {path} and upgraded to revision {checked.expected}.")
        else:
            click.echo(f"Restored from {path} (schema revision {checked.revision}).")
        click.echo("Start Tend's web and worker processes again.")

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
