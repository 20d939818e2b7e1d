"""The worker process (Procfile `worker:`, `flask --app app worker`): every few seconds it
schedules the reminders that have come due and delivers what the outbox holds.

SIGTERM or SIGINT lets the message in hand finish, then the worker exits. SIGKILL loses
nothing either: a row it held is claimed again once its lease runs out (see delivery).
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from flask import Flask

from app import content
from app.models import utcnow
from app.notifications import delivery, reminders

log = logging.getLogger("tend.notifications")
SCHEDULE_EVERY_SECONDS = 60


def schedule_reminders(app: Flask) -> int:
    with app.extensions["tend_session_factory"]() as db:
        return reminders.schedule(db, content.library(), utcnow())


def run(app: Flask, *, stop: threading.Event | None = None, once: bool = False) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    settings = app.config["TEND"].alerts
    last_schedule = 0.0
    log.info("worker started: polling every %ss", settings.poll_seconds)
    while not stop.is_set():
        with app.app_context():
            try:
                if time.monotonic() - last_schedule >= SCHEDULE_EVERY_SECONDS or once:
                    schedule_reminders(app)
                    last_schedule = time.monotonic()
                delivery.run_once(app)
            except Exception:
                # A database that is briefly away must not end the worker: try again soon.
                log.exception("worker pass failed; trying again")
        if once:
            return
        stop.wait(settings.poll_seconds)
    log.info("worker stopped")
