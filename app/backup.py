"""Backups an operator can trust: a consistent copy while Tend runs, and a checked restore.

SQLite in WAL mode keeps recent commits in `NAME-wal` until a checkpoint folds them into the
main file, so copying `NAME` alone loses acknowledged saves, and a stale `NAME-wal` left beside
a restored file is replayed into it and corrupts it. The backup therefore goes through SQLite's
online backup API (it reads through the WAL, as any reader does), and a restore replaces the
file together with its `-wal` and `-shm`. PostgreSQL is dumped and restored with its own tools
(`pg_dump` in custom format, `pg_restore`), which are consistent while the app runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text

from app import migrations

SIDECARS = ("-wal", "-shm", "-journal")


class BackupError(RuntimeError):
    """Said to the operator as is: what is wrong and what to do."""


@dataclass(frozen=True)
class Checked:
    """What a backup holds, as checked before anything is replaced."""

    revision: str
    expected: str

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.expected


def expected_revision() -> str:
    return ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: nothing to back up.")
    return Path(database).resolve()


# ---- SQLite --------------------------------------------------------------------------------


def backup_sqlite(url: str, target: Path) -> None:
    """Copy the live database into `target`, a single self-contained file (no -wal)."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    target = target.resolve()
    if target == source_path:
        raise BackupError("The backup must go to another file than the database itself.")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name (backups never overwrite).")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _sibling_temp(target)
    try:
        source = sqlite3.connect(source_path, timeout=15)
        try:
            copy = sqlite3.connect(partial)
            try:
                # One step (pages=-1): a read transaction sees one snapshot, WAL included,
                # while the app keeps writing; a stepwise copy would restart on every write.
                source.backup(copy)
                # A backup is one file to carry around: no WAL of its own.
                copy.execute("PRAGMA journal_mode=DELETE")
                _require_integrity(copy, str(target))
            finally:
                copy.close()
        finally:
            source.close()
        _fsync(partial)
        os.replace(partial, target)
        _fsync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def check_sqlite_backup(path: Path) -> Checked:
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    for suffix in SIDECARS:
        if Path(f"{path}{suffix}").exists():
            raise BackupError(
                f"{path}{suffix} lies beside the backup: it was copied while in use. Make a "
                "backup with `flask backup` instead."
            )
    try:
        # Read-only and immutable: checking a backup never writes beside it.
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            _require_integrity(connection, str(path))
            revision = _sqlite_revision(connection, path)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error}).") from error
    return _checked(revision, str(path))


def sqlite_in_use(path: Path) -> bool:
    """True when another connection has the database open (a running web or worker process).

    Leaving WAL mode needs the database to itself; SQLite refuses at once while any other
    connection holds it open, idle or not. Nothing is lost when it succeeds: the switch
    checkpoints the WAL into the file, which is then replaced anyway.
    """
    if not path.exists():
        return False
    connection = sqlite3.connect(path, timeout=0)
    try:
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            return False
        try:
            changed = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            return True
        return changed != "delete"
    finally:
        connection.close()


def restore_sqlite(url: str, backup: Path, *, force: bool = False) -> Path | None:
    """Put `backup` in place of the database; returns where the replaced database was kept."""
    target = sqlite_path(url)
    backup = backup.resolve()
    if backup == target:
        raise BackupError("The backup is the database itself.")
    if not force and sqlite_in_use(target):
        raise BackupError(
            f"{target} is open in another process: stop Tend (web and worker) first, or pass "
            "--force to restore under it anyway (its processes must then be restarted)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = _sibling_temp(target)
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro&immutable=1", uri=True)
        try:
            copy = sqlite3.connect(incoming)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
                _require_integrity(copy, str(incoming))
            finally:
                copy.close()
        finally:
            source.close()
        _fsync(incoming)
        kept = _set_aside(target)
        os.replace(incoming, target)
        _fsync_directory(target.parent)
    finally:
        incoming.unlink(missing_ok=True)
    return kept


def _set_aside(target: Path) -> Path | None:
    """Move the database being replaced, with its -wal and -shm, out of the way together.

    A -wal left beside the restored file would be replayed into it; moved with its own file
    it keeps the replaced database whole, should anyone need it back.
    """
    if not target.exists():
        for suffix in SIDECARS:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = target.with_name(f"{target.name}.replaced-{stamp}")
    for suffix in ("", *SIDECARS):
        current = Path(f"{target}{suffix}")
        if current.exists():
            os.replace(current, f"{kept}{suffix}")
    return kept


def _sqlite_revision(connection: sqlite3.Connection, path: Path) -> str:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as error:
        raise BackupError(f"{path} is not a Tend database (no alembic_version).") from error
    if len(rows) != 1:
        raise BackupError(f"{path} records {len(rows)} schema revisions; expected one.")
    return rows[0][0]


def _require_integrity(connection: sqlite3.Connection, name: str) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        raise BackupError(f"{name} fails SQLite's integrity check: {'; '.join(problems[:5])}")


def _sibling_temp(target: Path) -> Path:
    # In the same directory, so the final rename is atomic.
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    Path(name).unlink()
    return Path(name)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# ---- PostgreSQL ----------------------------------------------------------------------------

Runner = Callable[..., subprocess.CompletedProcess]


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as pg_dump reads it, with the password in the environment, not on `ps`."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed here. Install the PostgreSQL client tools of the server's "
            f"major version (Debian/Ubuntu: apt-get install postgresql-client) and run again."
        )
    return found


def backup_postgres(url: str, target: Path, run: Runner = subprocess.run) -> None:
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name (backups never overwrite).")
    target.parent.mkdir(parents=True, exist_ok=True)
    dsn, env = _libpq(url)
    partial = _sibling_temp(target)
    try:
        # Custom format: compressed, and pg_restore can list and check it before restoring.
        done = run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", dsn],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def check_postgres_backup(path: Path, run: Runner = subprocess.run) -> Checked:
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    pg_restore = _tool("pg_restore")
    listed = run([pg_restore, "--list", str(path)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"{path} is not a readable pg_dump archive: {listed.stderr.strip()}")
    # The schema revision is the one row of alembic_version, read from the archive itself.
    data = run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True,
        text=True,
    )
    revisions = _copied_rows(data.stdout, "alembic_version")
    if data.returncode != 0 or len(revisions) != 1:
        raise BackupError(f"{path} is not a Tend database dump (no single alembic_version).")
    return _checked(revisions[0], str(path))


def _copied_rows(sql: str, table: str) -> list[str]:
    rows: list[str] = []
    inside = False
    for line in sql.splitlines():
        if line.startswith("COPY ") and f"{table} " in line:
            inside = True
            continue
        if inside:
            if line == "\\.":
                break
            rows.append(line.split("\t")[0])
    return rows


def postgres_in_use(url: str) -> int:
    """How many other connections the database has (Tend's web and worker processes)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def restore_postgres(url: str, backup: Path, *, force: bool = False, run: Runner = subprocess.run):
    others = postgres_in_use(url)
    if others and not force:
        raise BackupError(
            f"The database has {others} other connection(s) open: stop Tend (web and worker) "
            "first, or pass --force to restore under them anyway."
        )
    dsn, env = _libpq(url)
    # One transaction: a restore that fails part-way leaves the database as it was.
    done = run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(backup.resolve()),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing changed: {done.stderr.strip()}")


# ---- both ----------------------------------------------------------------------------------


def _checked(revision: str, name: str) -> Checked:
    expected = expected_revision()
    if revision != expected and revision not in _known_revisions():
        raise BackupError(
            f"{name} has schema revision {revision}, which this version of Tend does not know: "
            "it comes from a newer Tend. Restore it with that version."
        )
    return Checked(revision=revision, expected=expected)


def backup(url: str, target: Path) -> None:
    if is_sqlite(url):
        backup_sqlite(url, target)
    else:
        backup_postgres(url, target)


def check(url: str, path: Path) -> Checked:
    return check_sqlite_backup(path) if is_sqlite(url) else check_postgres_backup(path)


def restore(url: str, path: Path, *, force: bool = False) -> Path | None:
    if is_sqlite(url):
        return restore_sqlite(url, path, force=force)
    restore_postgres(url, path, force=force)
    return None
