"""Many saves at once, and saves while workers, the master, the database or Redis fail."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from trials.database import APPLICATION_NAME, Database
from trials.device import Device, SignInRefused
from trials.load import Saves, judge, keep_saving
from trials.processes import Master, free_port
from trials.tally import Row

APP = "trials.app:create()"
DEVICES = 4
READY = 120  # seconds a master may take to serve, on a busy machine


def _devices(url: str, database: Database) -> list[Device]:
    emails = [
        f"participant{n}@example.org" if n > 1 else "participant@example.org"
        for n in range(1, DEVICES + 1)
    ]
    return [Device(url, email, database.password).sign_in() for email in emails]


def _master(database: Database, logs: Path, name: str, env: dict | None = None, port=None):
    master = Master(APP, port or free_port(), {**database.env, **(env or {})}, logs / f"{name}.log")
    if master.wait_serving(READY) is None:
        master.stop()
        raise RuntimeError(f"gunicorn did not serve; see {logs / f'{name}.log'}")
    return master


def _join(threads, stop: threading.Event, until: float) -> None:
    for thread in threads:
        thread.join(max(until - time.monotonic(), 0) + 30)
    stop.set()


def concurrent_saves(database: Database, logs: Path, each: int, budget: float) -> Row:
    row = Row(f"{DEVICES} devices × {each} saves at once", database.kind)
    master = _master(database, logs, "concurrency")
    try:
        saves, stop = Saves(), threading.Event()
        until = time.monotonic() + budget
        threads = keep_saving(
            _devices(master.url, database), saves, each=each, until=until, stop=stop
        )
        _join(threads, stop, until)
    finally:
        master.stop()
    if len(saves.words) < DEVICES * each:
        row.notes.append(f"time budget reached after {len(saves.words)} saves")
    return judge(row, saves, database)


def workers_killed(database: Database, logs: Path, kills: int, budget: float) -> Row:
    row = Row(f"SIGKILL of a worker × {kills} during saves", database.kind)
    master = _master(database, logs, "workers-killed")
    try:
        saves, stop = Saves(), threading.Event()
        until = time.monotonic() + budget
        threads = keep_saving(
            _devices(master.url, database), saves, each=None, until=until, stop=stop
        )
        for _ in range(kills):
            time.sleep(1.0)
            workers = master.worker_pids()
            if workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(random.choice(workers), signal.SIGKILL)
        time.sleep(2)
        stop.set()
        _join(threads, stop, time.monotonic() + 30)
    finally:
        master.stop()
    return judge(row, saves, database)


def master_killed(database: Database, logs: Path, kills: int, budget: float) -> Row:
    """The master SIGKILLed during saves and started again at once on its port, as a
    supervisor with no delay would: the new master must bind and serve."""
    row = Row(f"SIGKILL of the master × {kills}, restarted at once", database.kind)
    port = free_port()
    masters = [_master(database, logs, "master-0", port=port)]
    restart_seconds = []
    try:
        saves, stop = Saves(), threading.Event()
        until = time.monotonic() + budget
        threads = keep_saving(
            _devices(masters[0].url, database), saves, each=None, until=until, stop=stop
        )
        for number in range(1, kills + 1):
            time.sleep(2.0)
            masters[-1].kill_master()
            started = time.monotonic()
            masters.append(Master(APP, port, database.env, logs / f"master-{number}.log"))
            if masters[-1].wait_serving(READY) is None:
                row.notes.append(f"restart {number}: the new master never served")
                break
            restart_seconds.append(time.monotonic() - started)
        time.sleep(2)
        stop.set()
        _join(threads, stop, time.monotonic() + 30)
    finally:
        for master in masters:
            master.stop()
    if restart_seconds:
        fastest, slowest = min(restart_seconds), max(restart_seconds)
        row.notes.append(f"restarted masters served after {fastest:.1f}–{slowest:.1f} s")
    return judge(row, saves, database)


def database_outage(database: Database, logs: Path, seconds: float, budget: float) -> Row:
    row = Row(f"database away {seconds:.0f} s during saves", database.kind)
    master = _master(database, logs, "database-outage")
    try:
        saves, stop = Saves(), threading.Event()
        until = time.monotonic() + budget
        threads = keep_saving(
            _devices(master.url, database), saves, each=None, until=until, stop=stop
        )
        time.sleep(2)
        if database.kind == "SQLite":
            _lock_sqlite(database, seconds)
        else:
            _terminate_postgres(database, seconds)
        time.sleep(5)  # saves go on after it came back
        stop.set()
        _join(threads, stop, time.monotonic() + 30)
    finally:
        master.stop()
    return judge(row, saves, database)


def _lock_sqlite(database: Database, seconds: float) -> None:
    """Another process holds the write lock longer than the app's busy_timeout: as far as
    the app can tell, the database is gone."""
    path = make_url(database.url).database
    holder = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        holder.execute("ROLLBACK")
    finally:
        holder.close()


def _terminate_postgres(database: Database, seconds: float) -> None:
    """The app's connections are cut again and again (a server restart, a failover)."""
    admin_url = make_url(database.url)
    admin_url = admin_url.set(
        query={k: v for k, v in admin_url.query.items() if k != "application_name"}
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        end = time.monotonic() + seconds
        with admin.connect() as connection:
            while time.monotonic() < end:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": APPLICATION_NAME},
                )
                time.sleep(0.2)
    finally:
        admin.dispose()


class PrivateRedis:
    """A redis-server of the trial's own on a loopback port, stopped and started at will."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def redis_outage(database: Database, logs: Path, seconds: float, budget: float) -> Row:
    """Redis (sign-in limits) stops during saves and sign-ins, and comes back."""
    row = Row(f"Redis away {seconds:.0f} s during saves and sign-ins", database.kind)
    redis_server = PrivateRedis(logs)
    redis_server.start()
    master = None
    try:
        master = _master(
            database, logs, "redis-outage", {"RATELIMIT_STORAGE_URI": redis_server.url}
        )
        saves, stop = Saves(), threading.Event()
        until = time.monotonic() + budget
        threads = keep_saving(
            _devices(master.url, database), saves, each=None, until=until, stop=stop
        )
        signer = Device(master.url, "participant5@example.org", database.password)
        signins = {"tried": 0, "failed": 0, "5xx": 0, "500": 0}

        def keep_signing_in():
            while not stop.is_set():
                signins["tried"] += 1
                try:
                    signer.sign_in()
                except SignInRefused as refused:
                    signins["failed"] += 1
                    signins["5xx"] += refused.status >= 500
                    signins["500"] += refused.status == 500
                except Exception:  # noqa: BLE001
                    signins["failed"] += 1
                time.sleep(0.3)

        signing = threading.Thread(target=keep_signing_in, daemon=True)
        signing.start()
        time.sleep(2)
        redis_server.stop()
        time.sleep(seconds)
        redis_server.start()
        time.sleep(5)
        stop.set()
        _join([*threads, signing], stop, time.monotonic() + 30)
    finally:
        if master is not None:
            master.stop()
        redis_server.stop()
    row = judge(row, saves, database)
    row.notes.append(
        f"sign-ins: {signins['tried']} tried, {signins['failed']} refused, {signins['5xx']} 5xx"
    )
    row.server_errors += signins["5xx"]
    row.status_500 += signins["500"]
    return row
