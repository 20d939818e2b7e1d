"""The worker as a real process on a database that commits, with a real SMTP server on
127.0.0.1: an item-9 answer saved over HTTP is in the medical team's inbox within a minute;
a worker killed with SIGKILL in the middle of sending loses nothing (the next worker sends
it once its lease runs out); a web process killed with SIGKILL right after answering loses
no alert, because the alert was committed with the flag; several workers on PostgreSQL
never claim the same row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlmodel import Session, create_engine, select

from app import create_app
from app.config import ROOT
from app.models import Delivery, Notification, utcnow
from app.notifications import delivery
from app.questionnaires import safety
from tests.committed import committed_database
from tests.conftest import build_world, sign_in
from tests.outside import SmtpServer, free_port
from tests.web.test_questionnaires import answer_phq9, start


@pytest.fixture
def committed(database_url, tmp_path):
    with committed_database(database_url, tmp_path) as url:
        yield url


@pytest.fixture
def world_app(committed):
    """An app on the committed database, with the usual world in it."""
    app = create_app({"database_url": committed})
    app.config.update(TESTING=True)
    engine = app.extensions["tend_engine"]
    with Session(engine, expire_on_commit=False) as db:
        world = build_world(db)
    yield app, world
    engine.dispose()


def start_worker(url: str, smtp: SmtpServer, *, lease: int = 3) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SMTP_URL": smtp.url,
        "MAIL_FROM": "Tend <alerts@tend.test>",
        "WORKER_POLL_SECONDS": "1",
        "WORKER_LEASE_SECONDS": str(lease),
    }
    # Its log, for reading when a test fails: TEND_WORKER_LOG=path.
    log = open(os.environ.get("TEND_WORKER_LOG", os.devnull), "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    process.log_file = log
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    process.log_file.close()


def rows(url: str) -> list[Notification]:
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            return list(db.exec(select(Notification).order_by(Notification.id)))
    finally:
        engine.dispose()


def test_an_item_9_answer_is_in_the_medical_teams_inbox_within_a_minute(world_app, committed):
    app, world = world_app
    with SmtpServer() as smtp:
        worker = start_worker(committed, smtp)
        try:
            client = app.test_client()
            sign_in(client, world.participant)
            response_id, _ = start(client, "phq-9")
            answer_phq9(client, response_id, [0, 0, 0, 0, 0, 0, 0, 0, 1])
            saved = time.monotonic()
            messages = smtp.inbox.wait_for(2, timeout=60)
            waited = time.monotonic() - saved
        finally:
            stop(worker)
    assert sorted(str(m["To"]) for m in messages) == sorted(
        [world.medical.email, world.facilitator.email]
    )
    assert waited < 60
    print(f"item-9 answer to the team's inbox: {waited:.1f} s")


def test_a_worker_killed_mid_send_loses_nothing(world_app, committed):
    app, world = world_app
    with app.app_context():
        engine = app.extensions["tend_engine"]
        with Session(engine, expire_on_commit=False) as db:
            safety.raise_flag(
                db, world.participant, world.cohort.id, source="support-button", level="urgent"
            )
            db.commit()
    with SmtpServer() as smtp:
        smtp.inbox.hold = threading.Event()
        smtp.inbox.drop_held = True
        first = start_worker(committed, smtp)
        try:
            assert smtp.inbox.started_data.wait(30), "the worker never began sending"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            stop(first)
        held = [r for r in rows(committed) if r.status == Delivery.sending]
        assert held, "the killed worker should have left its row mid-send"
        smtp.inbox.hold.set()
        smtp.inbox.hold = None
        second = start_worker(committed, smtp)
        try:
            messages = smtp.inbox.wait_for(2, timeout=30)
        finally:
            stop(second)
    assert sorted(str(m["To"]) for m in messages) == sorted(
        [world.medical.email, world.facilitator.email]
    )
    final = [r for r in rows(committed) if r.kind == "flag_urgent"]
    assert {r.status for r in final} == {Delivery.sent}
    assert max(r.attempts for r in final) == 2


def test_a_web_process_killed_right_after_answering_loses_no_alert(world_app, committed):
    _app, world = world_app
    port = free_port()
    env = {**os.environ, "DATABASE_URL": committed}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        browser = requests.Session()
        for _ in range(100):
            try:
                if browser.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        token = browser.get(f"{base}/help").text.split('"X-CSRFToken": "')[1].split('"')[0]
        browser.post(
            f"{base}/signin",
            data={
                "csrf_token": token,
                "email": world.participant.email,
                "password": "correct horse battery",
            },
        )
        token = browser.get(f"{base}/help").text.split('"X-CSRFToken": "')[1].split('"')[0]
        answer = browser.post(f"{base}/check-ins/support", data={"csrf_token": token})
        assert answer.status_code == 200
        os.kill(web.pid, signal.SIGKILL)
    finally:
        web.kill()
        web.wait(10)
    with SmtpServer() as smtp:
        worker = start_worker(committed, smtp)
        try:
            messages = smtp.inbox.wait_for(2, timeout=30)
        finally:
            stop(worker)
    assert sorted(str(m["To"]) for m in messages) == sorted(
        [world.medical.email, world.facilitator.email]
    )


def test_several_workers_never_claim_the_same_row(world_app, committed):
    app, world = world_app
    if not committed.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; on SQLite Tend runs one worker")
    engine = app.extensions["tend_engine"]
    with app.app_context(), Session(engine, expire_on_commit=False) as db:
        for _ in range(40):
            safety.raise_flag(
                db, world.participant, world.cohort.id, source="support-button", level="urgent"
            )
        db.commit()
    due = len(
        [r for r in rows(committed) if r.status == Delivery.pending and r.kind == "flag_urgent"]
    )
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def one_worker():
        with Session(engine, expire_on_commit=False) as db:
            barrier.wait()
            while True:
                got = delivery.claim(db, utcnow(), 300, limit=3)
                if not got:
                    return
                with lock:
                    claimed.extend(notification_id for notification_id, _ in got)

    threads = [threading.Thread(target=one_worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claimed) == len(set(claimed)) == due == 80
    assert {r.status for r in rows(committed) if r.kind == "flag_urgent"} == {Delivery.sending}
