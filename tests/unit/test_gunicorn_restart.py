"""A master restarted right after a SIGKILL of the old one binds its port and serves."""

from __future__ import annotations

import pytest

from trials.processes import restart_after_master_kill

pytestmark = pytest.mark.any_database


def test_a_master_started_at_once_after_a_crash_serves(tmp_path):
    # The bare app, served with Tend's own gunicorn.conf.py (its worker class above all).
    seconds = restart_after_master_kill(
        "bench.bare_app:app", {"WEB_CONCURRENCY": "2"}, tmp_path, ready=20, path="/"
    )
    # gunicorn retries a busy port five times, a second apart, then exits: without the
    # worker class's release of the port it never serves.
    assert seconds is not None, (tmp_path / "second.log").read_text()[-2000:]
