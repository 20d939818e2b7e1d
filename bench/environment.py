"""A throwaway Tend database for one run, and the facts about the machine a result needs."""

from __future__ import annotations

import os
import platform
import runpy
import secrets
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
PACKAGES = ("flask", "werkzeug", "gunicorn", "sqlalchemy", "sqlmodel", "flask-compress", "brotli")


@dataclass(frozen=True)
class Scratch:
    """Where the run's database lives, and the environment that points Tend at it."""

    directory: Path
    env: dict[str, str]
    password: str


@contextmanager
def scoped_environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (Tend reads its settings from them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def scratch_database(postgres: str | None = None) -> Iterator[Scratch]:
    """A fresh database, migrated and seeded with the demo cohort, removed afterwards: SQLite
    in a temporary directory, or, given a PostgreSQL server's URL, a database of its own
    created on that server and dropped at the end."""
    with tempfile.TemporaryDirectory(prefix="tend-bench-") as tmp:
        directory = Path(tmp)
        with _database_url(directory, postgres) as database_url:
            env = {
                "APP_ENV": "development",
                "DATABASE_URL": database_url,
                "DATA_KEYS": Fernet.generate_key().decode(),
                "SECRET_KEY": secrets.token_hex(32),
            }
            password = _migrate_and_seed(env)
            yield Scratch(directory=directory, env=env, password=password)


@contextmanager
def _database_url(directory: Path, postgres: str | None) -> Iterator[str]:
    if postgres is None:
        yield f"sqlite:///{directory / 'tend.sqlite3'}"
        return
    from sqlalchemy import create_engine, make_url, text

    server = make_url(postgres)
    name = f"tend_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _migrate_and_seed(env: dict[str, str]) -> str:
    from app import crypto, migrations
    from app.config import Settings
    from app.db import make_engine
    from app.demo import seed

    with scoped_environ(env):
        settings = Settings.from_env()
        migrations.upgrade(settings.database_url)
        crypto.configure(settings.data_keys)
        engine = make_engine(settings.database_url)
        try:
            accounts = seed(settings, engine, only_if_empty=False)
        finally:
            engine.dispose()
    return accounts.password


def database_info(url: str) -> str:
    """Which database a run measured, with its version."""
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_settings() -> dict:
    """What gunicorn.conf.py resolves to on this machine (workers come from the core count)."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    names = ("workers", "threads", "worker_class", "keepalive", "max_requests")
    return {name: conf.get(name) for name in names}


def _run(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    """Date, core count, versions and the commit measured, for the results file."""
    wrk_banner = _run("wrk", "-v").splitlines()
    commit = _run("git", "rev-parse", "--short", "HEAD")
    dirty = bool(_run("git", "status", "--porcelain", "--untracked-files=no"))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "platform": platform.platform(),
        "git": {"commit": commit, "uncommitted_changes": dirty},
        "versions": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "wrk": wrk_banner[0] if wrk_banner else None,
            **{package: _version(package) for package in PACKAGES},
        },
    }
