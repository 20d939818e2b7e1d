"""`make trials`: every trial on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Loopback only, bounded in time; prints one table and exits 1 if an acknowledged save was lost
or overwritten unseen, stored twice, or answered 500.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from trials import faults, races
from trials.database import prepared
from trials.processes import Master, free_port
from trials.tally import Row, table

PARTS = ("races", "concurrency", "workers", "master", "database", "redis")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20, help="repetitions of each race")
    parser.add_argument("--saves", type=int, default=500, help="saves per device, 4 devices")
    parser.add_argument("--kills", type=int, default=10, help="workers SIGKILLed")
    parser.add_argument("--master-kills", type=int, default=3, help="masters SIGKILLed")
    parser.add_argument("--outage", type=float, default=20.0, help="seconds a service is away")
    parser.add_argument("--only", choices=PARTS, nargs="*", default=list(PARTS))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or None,
        help="a PostgreSQL database the trials may wipe (default: TEST_DATABASE_URL)",
    )
    parser.add_argument("--logs", type=Path, default=None, help="where gunicorn logs go")
    options = parser.parse_args(argv)
    logs = options.logs or Path(tempfile.mkdtemp(prefix="tend-trials-logs-"))
    targets = [None] + ([options.postgres] if options.postgres else [])
    rows: list[Row] = []
    started = time.monotonic()
    for target in targets:
        with prepared(target) as database:
            where = logs / database.kind.lower()
            print(f"# {database.kind}: gunicorn logs in {where}", flush=True)
            for row in _run(database, where, options):
                rows.append(row)
                print(table([row]).splitlines()[-1], " ".join(row.notes), flush=True)
    print()
    print(table(rows))
    for row in rows:
        if row.notes:
            print(f"- {row.scenario} ({row.database}): {'; '.join(row.notes)}")
    print(f"\n{time.monotonic() - started:.0f} s in all.")
    return 0 if all(row.sound for row in rows) else 1


def _run(database, logs: Path, options):
    if "races" in options.only:
        master = Master(faults.APP, free_port(), database.env, logs / "races.log")
        try:
            if master.wait_serving(faults.READY) is None:
                raise RuntimeError(f"gunicorn did not serve; see {logs / 'races.log'}")
            for race in races.RACES:
                yield race(master.url, database, options.reps)
        finally:
            master.stop()
    if "concurrency" in options.only:
        yield faults.concurrent_saves(database, logs, options.saves, budget=600)
    if "workers" in options.only:
        yield faults.workers_killed(database, logs, options.kills, budget=120)
    if "master" in options.only:
        yield faults.master_killed(database, logs, options.master_kills, budget=300)
    if "database" in options.only:
        yield faults.database_outage(database, logs, options.outage, budget=180)
    if "redis" in options.only:
        yield faults.redis_outage(database, logs, options.outage / 2, budget=120)


if __name__ == "__main__":
    sys.exit(main())
