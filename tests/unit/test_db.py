"""The database engine across a fork: gunicorn loads the app once and forks its workers."""

from __future__ import annotations

import os

from sqlalchemy import text

from app.db import make_engine


def test_a_forked_worker_never_reuses_the_connections_of_the_process_it_came_from(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fork.sqlite3'}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert engine.pool.checkedin() == 1
    child = os.fork()
    if child == 0:  # the worker: its pool starts empty, and a query opens its own connection
        try:
            fresh = engine.pool.checkedin() == 0
            with engine.connect() as connection:
                answered = connection.execute(text("SELECT 1")).scalar_one() == 1
            os._exit(0 if fresh and answered else 1)
        except BaseException:
            os._exit(2)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's own connection is untouched by the child.
    assert engine.pool.checkedin() == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()
