"""gunicorn masters started, killed and restarted on one loopback port, as a supervisor would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


class Master:
    """One gunicorn master (and its workers) in a process group of its own."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path, extra: Sequence = ()):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            *_gunicorn(),
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{port}",
            # Each master its own control socket: several may run on this machine.
            "--control-socket",
            str(log.with_suffix(".ctl")),
            *extra,
            app,
        ]
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **env, "PORT": str(port)},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.group = self.process.pid
        self.log = log

    def listening(self) -> bool:
        """This master bound the port (the old one's workers may still answer meanwhile)."""
        return "Listening at:" in self.log.read_text(errors="replace")

    def serves(self, path: str = "/healthz") -> bool:
        try:
            return requests.get(self.url + path, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_serving(self, timeout: float, path: str = "/healthz") -> float | None:
        """Seconds until it answers 200, or None if it exited or never did."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                return None
            if self.listening() and self.serves(path):
                return time.monotonic() - started
            time.sleep(0.1)
        return None

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.group and int(stat.parent.name) != self.group:
                    pids.append(int(stat.parent.name))
        return pids

    def kill_master(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        # Orphaned workers stay in the group the master led.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.group, signal.SIGKILL)


@contextlib.contextmanager
def slow_client(port: int):
    """A phone on a poor network: a request whose headers never finish arriving. The worker
    holding it keeps draining it after its master dies, for up to graceful_timeout."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        yield connection
    finally:
        connection.close()


def restart_after_master_kill(
    app: str,
    env: dict[str, str],
    log_dir: Path,
    *,
    extra: Sequence = (),
    ready: float = 60,
    path: str = "/healthz",
) -> float | None:
    """Start a master, SIGKILL it while a slow request is in flight, start a new master on the
    same port at once: seconds until the new one serves, or None if it never did."""
    port = free_port()
    first = Master(app, port, env, log_dir / "first.log", extra)
    second = None
    try:
        if first.wait_serving(ready, path) is None:
            raise RuntimeError(f"gunicorn did not start; see {log_dir / 'first.log'}")
        with slow_client(port):
            time.sleep(0.3)  # accepted by a worker
            first.kill_master()
            second = Master(app, port, env, log_dir / "second.log", extra)
            return second.wait_serving(ready, path)
    finally:
        if second is not None:
            second.stop()
        first.stop()
