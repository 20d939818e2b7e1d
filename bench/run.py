"""Run Tend's benchmarks: `.venv/bin/python -m bench.run [--only weight|load|journal]`.

1. A fresh SQLite database in a temporary directory, migrated and seeded with the demo cohort.
2. Tend under gunicorn with gunicorn.conf.py (the Procfile's `web:` line) on 127.0.0.1,
   signed in as participant@example.org through the real form.
3. Page weight of the participant home page, first and repeat visit.
4. wrk against `GET /` at each connection count, then the same against bench/bare_app.py
   under the same gunicorn config, and the ratio of the two.
5. Only with `--only journal` (bench/journal.py): 40 more participants with 200 entries each,
   then wrk against the home page, the journal list, the autosave and the facilitators'
   reading room at 10 connections, judged against the journal issue's targets.
6. A Markdown summary on stdout; everything in bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from bench import journal, load, report, weight
from bench.client import browser_headers, cookie_header, sign_in
from bench.environment import (
    ROOT,
    database_info,
    gunicorn_settings,
    machine_info,
    scratch_database,
)
from bench.server import Gunicorn

RESULTS = ROOT / "bench" / "results"
TEND_APP = "app:create_app()"  # as in the Procfile
BARE_APP = "bench.bare_app:app"
PARTS = ("weight", "load", "journal")
DEFAULT_PARTS = ("weight", "load")  # the journal part is opt-in: --only journal
BUSY = 0.5  # one-minute load average above which the machine is not quiet


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=PARTS, help="run only this part")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (15)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per server (5)")
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[10, 50], help="wrk connections (10 50)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="results file")
    parser.add_argument(
        "--rounds",
        type=int,
        default=journal.ROUNDS,
        help=f"journal part: times each page is measured, judged on the median ({journal.ROUNDS})",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server to measure against instead of SQLite, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres (a database of its own is "
        "created there and dropped after)",
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.duration > 300:
        parser.error("--duration must be between 1 and 300 seconds")
    if args.rounds < 1 or args.rounds > 9:
        parser.error("--rounds must be between 1 and 9")
    return args


def _stop_on_sigterm(_signum, _frame):
    raise SystemExit(143)  # unwinds through every `with Gunicorn(...)`, which stops it


def _load_runs(server: Gunicorn, args: argparse.Namespace, headers: dict[str, str]) -> list:
    load.progress(f"{server.name}: warming up for {args.warmup} s")
    load.warm_up(server, seconds=args.warmup, headers=headers)
    runs = []
    for connections in args.connections:
        load.progress(f"{server.name}: wrk -c{connections} for {args.duration} s")
        runs.append(
            load.measure(
                server,
                connections=connections,
                threads=args.threads,
                duration=args.duration,
                headers=headers,
            )
        )
    return runs


def _ratios(tend: list[dict], bare: list[dict]) -> dict:
    by_connections = {run["connections"]: run for run in bare}
    ratios = {}
    for run in tend:
        base = by_connections.get(run["connections"])
        if base is None:
            continue
        entry = {"requests_per_s": round(run["requests_per_s"] / base["requests_per_s"], 4)}
        for name in ("p50", "p95", "p99"):
            entry[name] = round(run["latency_ms"][name] / max(base["latency_ms"][name], 1e-3), 2)
        ratios[str(run["connections"])] = entry
    return ratios


def run(args: argparse.Namespace) -> dict:
    results = machine_info()
    results["gunicorn"] = gunicorn_settings()
    if results["load_average_at_start"][0] > BUSY:
        load.progress(
            f"Warning: load average {results['load_average_at_start'][0]} at start; "
            "something else is using the CPU and the figures will be low."
        )
    workers = results["gunicorn"]["workers"]
    parts = {args.only} if args.only else set(DEFAULT_PARTS)
    load.progress("Preparing a fresh database (migrate, seed)")
    with scratch_database(args.postgres) as scratch:
        results["database"] = database_info(scratch.env["DATABASE_URL"])
        tend = Gunicorn(
            "tend",
            TEND_APP,
            scratch.env,
            RESULTS / "gunicorn-tend.log",
            ready_path="/healthz",
            workers=workers,
        )
        load.progress(f"tend: starting {' '.join(tend.command[-5:])}")
        with tend:
            session = sign_in(tend.url, scratch.password)
            cookie = cookie_header(session)
            if "weight" in parts:
                load.progress("tend: measuring page weight")
                results["weight"] = weight.measure(session, tend.url)
            if "load" in parts:
                results["load"] = {
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                    "wrk_threads": args.threads,
                    "request_headers": sorted(browser_headers(cookie)),
                    "tend": _load_runs(tend, args, browser_headers(cookie)),
                }
            if "journal" in parts:
                # Last on this server: its seed would change what the other parts measure.
                results["journal"] = journal.measure(
                    tend,
                    scratch,
                    duration=args.duration,
                    warmup=args.warmup,
                    threads=args.threads,
                    rounds=args.rounds,
                )
    if "load" in results:
        bare = Gunicorn(
            "bare",
            BARE_APP,
            {},
            RESULTS / "gunicorn-bare.log",
            ready_path="/",
            workers=workers,
        )
        load.progress(f"bare: starting {' '.join(bare.command[-5:])}")
        with bare:
            results["load"]["bare"] = _load_runs(bare, args, browser_headers(cookie))
        results["load"]["ratio"] = _ratios(results["load"]["tend"], results["load"]["bare"])
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    results = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.markdown(results))
    print(f"\nWritten to {args.output}", file=sys.stderr)
    runs = [
        (name, run) for name in ("tend", "bare") for run in results.get("load", {}).get(name, [])
    ]
    runs += [
        (f"journal {run['method']} {run['path']} round {run['round']}", run)
        for page_runs in results.get("journal", {}).get("every_run", {}).values()
        for run in page_runs
    ]
    failed = [
        f"{name} -c{run['connections']}: {run['access_log_statuses']} {run['socket_errors']}"
        for name, run in runs
        if run["non_200"] or any(run["socket_errors"].values())
    ]
    if failed:
        print("Some requests were not answered 200:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
