"""gunicorn started as the Procfile's `web:` line does, bound to 127.0.0.1, and always stopped."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from bench.environment import GUNICORN_CONF, ROOT, free_port

BOOTED = re.compile(r"Booting worker with pid")
# gunicorn.conf.py's access_log_format: '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
ACCESS = re.compile(r'"[A-Z]+ (?P<path>\S*)" (?P<status>\d{3}) ')
STOP_TIMEOUT = 30  # longer than gunicorn.conf.py's graceful_timeout


class ServerFailed(RuntimeError):
    """gunicorn exited or never answered; the message ends with its log."""


def _gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py APP` on a free local port, logging to a file.

    Use as a context manager: the master and its workers are stopped on the way out, whatever
    happened inside.
    """

    def __init__(
        self, name: str, app: str, env: dict[str, str], log_path: Path, *, ready_path: str, workers
    ):
        self.name = name
        self.app = app
        self.env = env
        self.log_path = log_path
        self.ready_path = ready_path
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        bind = f"127.0.0.1:{self.port}"
        return [*_gunicorn(), "--config", str(GUNICORN_CONF), "--bind", bind, self.app]

    def __enter__(self) -> Gunicorn:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "PORT": str(self.port)}
        with self.log_path.open("wb") as log:
            # Its own session: a Ctrl-C in the terminal reaches us, and we stop gunicorn in order.
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name}: gunicorn exited early.\n{self.log_tail()}")
            if self._answers() and self.boots() >= self.workers:
                return
            time.sleep(0.25)
        raise ServerFailed(f"{self.name}: not ready after {timeout:.0f} s.\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            response = requests.get(self.url + self.ready_path, timeout=2, allow_redirects=False)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # SIGTERM: gunicorn's graceful shutdown of every worker
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # Any worker left behind is in the process group this master led; end it too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        self.process = None

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers, including reaped ones."""
        if self.process is None:
            return 0.0
        master = self.process.pid
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            if int(fields[2]) != master:  # process group
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            if stat.parent.name == str(master):
                ticks += int(fields[13]) + int(fields[14])  # workers it has reaped
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_text(self, start: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def boots(self, start: int = 0) -> int:
        return len(BOOTED.findall(self.log_text(start)))

    def statuses(self, start: int = 0, path: str = "/") -> Counter:
        """Status codes the access log recorded for `path` since byte offset `start`."""
        return Counter(
            match["status"]
            for match in ACCESS.finditer(self.log_text(start))
            if match["path"] == path
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"
