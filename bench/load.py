"""Throughput and latency with wrk, checked against gunicorn's own access log."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.server import Gunicorn

LUA = Path(__file__).resolve().parent / "wrk_report.lua"
# Autosaves from one device per wrk thread, each into its own draft, with the same report.
AUTOSAVE_LUA = Path(__file__).resolve().parent / "wrk_autosave.lua"
MARKER = "BENCH_JSON "


class WrkFailed(RuntimeError):
    """wrk is missing, failed, or printed no summary."""


def wrk_binary() -> str:
    found = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if not found:
        raise WrkFailed("wrk is not installed (apt-get install wrk).")
    return found


def run_wrk(
    url: str,
    *,
    connections: int,
    threads: int,
    duration: int,
    headers: dict[str, str],
    script: Path = LUA,
    script_args: Sequence[str] = (),
) -> dict:
    command = [wrk_binary(), f"-t{min(threads, connections)}", f"-c{connections}"]
    command += [f"-d{duration}s", "--latency", "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip()}")
    summary = next(
        (line[len(MARKER) :] for line in done.stdout.splitlines() if line.startswith(MARKER)), None
    )
    if summary is None:
        raise WrkFailed(f"wrk printed no summary:\n{done.stdout}")
    return {"summary": json.loads(summary), "output": done.stdout.replace(MARKER + summary, "")}


def _machine_seconds() -> dict[str, float]:
    """CPU time of the whole machine since boot, over all cores (from /proc/stat)."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in first[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "processes": (user + nice + system) / tick,
        # Loopback TCP is mostly softirq work: charged to no process, so reported apart.
        "interrupts": (irq + softirq) / tick,
        "steal": steal / tick,
        "idle": (idle + iowait) / tick,
    }


def _cpu_snapshot(server: Gunicorn) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
    return {
        **_machine_seconds(),
        "server": server.cpu_seconds(),
        "wrk": children.ru_utime + children.ru_stime,
        "bench": own.ru_utime + own.ru_stime,
        "wall": time.monotonic(),
    }


def _cpu_used(before: dict, after: dict) -> dict:
    """Where the CPU went during a run; `other` is everything else on the machine."""
    used = {name: after[name] - before[name] for name in before}
    other = used["processes"] - used["server"] - used["wrk"] - used["bench"]
    return {
        "server": round(used["server"], 1),
        "wrk": round(used["wrk"], 1),
        "other": round(max(other, 0.0), 1),
        "interrupts": round(used["interrupts"], 1),
        "steal": round(used["steal"], 1),
        "idle": round(used["idle"], 1),
        "capacity": round(used["wall"] * (os.cpu_count() or 1), 1),
    }


def measure(
    server: Gunicorn,
    *,
    connections: int,
    threads: int,
    duration: int,
    headers: dict[str, str],
    path: str = "/",
    script: Path = LUA,
    script_args: Sequence[str] = (),
) -> dict:
    """One wrk run against a warm server, with what the access log says it answered."""
    mark = server.log_size()
    before = _cpu_snapshot(server)
    result = run_wrk(
        server.url + path,
        connections=connections,
        threads=threads,
        duration=duration,
        headers=headers,
        script=script,
        script_args=script_args,
    )
    cpu = _cpu_used(before, _cpu_snapshot(server))
    time.sleep(0.5)  # let the workers write the last access-log lines
    summary = result["summary"]
    seconds = summary["duration_us"] / 1e6
    statuses = server.statuses(mark, path)
    errors = summary["errors"]
    latency = {name: value / 1000 for name, value in summary["latency_us"].items()}
    return {
        "connections": connections,
        "threads": min(threads, connections),
        "duration_s": round(seconds, 2),
        "requests": summary["requests"],
        "requests_per_s": round(summary["requests"] / seconds, 1),
        "bytes_per_response": round(summary["bytes"] / max(summary["requests"], 1)),
        "latency_ms": {name: round(value, 2) for name, value in latency.items()},
        "socket_errors": {k: v for k, v in errors.items() if k != "status"},
        "wrk_non_2xx_3xx": errors["status"],
        "access_log_statuses": dict(sorted(statuses.items())),
        "non_200": sum(count for status, count in statuses.items() if status != "200"),
        "worker_restarts": server.boots(mark),
        "cpu_seconds": cpu,
        "wrk_output": result["output"].strip(),
    }


def warm_up(
    server: Gunicorn,
    *,
    seconds: int,
    headers: dict[str, str],
    path: str = "/",
    script: Path = LUA,
    script_args: Sequence[str] = (),
    connections: int = 20,
    threads: int = 2,
) -> None:
    """Every worker imports, connects and compiles its templates before anything is measured."""
    if seconds > 0:
        run_wrk(
            server.url + path,
            connections=connections,
            threads=threads,
            duration=seconds,
            headers=headers,
            script=script,
            script_args=script_args,
        )


def wait_until_quiet(server: Gunicorn, *, timeout: float = 15, interval: float = 0.5) -> float:
    """Wait while the server works off requests a finished wrk left queued: until it uses
    under a tenth of a core for `interval` seconds. Returns the seconds waited."""
    started = time.monotonic()
    used = server.cpu_seconds()
    while time.monotonic() - started < timeout:
        time.sleep(interval)
        now = server.cpu_seconds()
        if now - used < interval / 10:
            break
        used = now
    return round(time.monotonic() - started, 2)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
