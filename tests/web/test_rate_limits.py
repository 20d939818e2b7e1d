"""Sign-in limits stop guessing, not people: only failures count, waits grow, Redis shares them,
and a store that is down gives a clear 503 and recovers by itself."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import uuid

import pytest

from app.auth.services import normalise_email
from app.auth.throttle import FIRST_DELAY_SECONDS, Rule, _key
from app.crypto import token_hash
from app.extensions import limiter
from tests.conftest import PASSWORD, csrf_token

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
WRONG = "not the password at all"


def attempt(client, email: str, password: str = WRONG, ip: str = "127.0.0.1"):
    environ = {"REMOTE_ADDR": ip}
    token = csrf_token(client)
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/signin", data=data, environ_base=environ)


def sign_out(client):
    client.post("/signout", data={"csrf_token": csrf_token(client)})


def wait_over(app, email: str) -> None:
    """As if the running wait had passed (the failures stay counted)."""
    with app.test_request_context():
        subject = token_hash(normalise_email(email))[:32]
        limiter.storage.clear(_key("wait", "account", subject))


def test_a_participant_who_signs_in_ten_times_in_a_row_is_never_refused(make_app, world):
    client = make_app(signin_limit_account="2 per 15 minutes").test_client()
    for _ in range(10):
        assert attempt(client, world.participant.email, PASSWORD).status_code == 303
        sign_out(client)


def test_failures_up_to_the_free_number_answer_422_then_a_calm_429_with_a_wait(make_app, world):
    client = make_app(signin_limit_account="3 per 15 minutes").test_client()
    for _ in range(3):
        assert attempt(client, world.participant.email).status_code == 422
    # The fourth failure starts a wait: the next attempt, even right, waits.
    assert attempt(client, world.participant.email).status_code == 422
    response = attempt(client, world.participant.email, PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "pause for a moment" in page
    assert re.search(r"You can try again in \d+ seconds", page)
    assert '<html lang="en" dir="ltr">' in page
    assert 0 < int(response.headers["Retry-After"]) <= FIRST_DELAY_SECONDS


def test_each_failure_beyond_the_free_ones_doubles_the_wait(app, make_app, world):
    client = make_app(signin_limit_account="1 per 15 minutes").test_client()
    attempt(client, world.participant.email)
    waits = []
    for _ in range(3):
        attempt(client, world.participant.email)
        waits.append(int(attempt(client, world.participant.email).headers["Retry-After"]))
        wait_over(app, world.participant.email)
    assert waits == [FIRST_DELAY_SECONDS, 2 * FIRST_DELAY_SECONDS, 4 * FIRST_DELAY_SECONDS]


def test_the_wait_never_grows_beyond_the_settings_period():
    rule = Rule.from_setting("5 per 15 minutes")
    assert [rule.delay_after(n) for n in (1, 5, 6, 7)] == [0, 0, 15, 30]
    assert rule.delay_after(50) == 15 * 60


def test_a_success_forgets_the_accounts_failures(make_app, world):
    client = make_app(signin_limit_account="2 per 15 minutes").test_client()
    attempt(client, world.participant.email)
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email, PASSWORD).status_code == 303
    sign_out(client)
    attempt(client, world.participant.email)
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email, PASSWORD).status_code == 303


def test_the_account_count_ignores_the_emails_case(make_app, world):
    client = make_app(signin_limit_account="1 per 15 minutes").test_client()
    attempt(client, world.participant.email.upper())
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email.title(), PASSWORD).status_code == 429


def test_one_accounts_wait_leaves_other_accounts_free(make_app, world):
    client = make_app(signin_limit_account="1 per 15 minutes").test_client()
    for _ in range(3):
        attempt(client, world.participant.email)
    assert attempt(client, world.same_group.email, PASSWORD).status_code == 303


def test_guesses_at_many_accounts_from_one_address_wait_there_only(make_app, world):
    client = make_app(signin_limit_ip="3 per 15 minutes").test_client()
    for n in range(4):
        assert attempt(client, f"guess{n}@example.org", ip="203.0.113.7").status_code == 422
    assert attempt(client, "guess9@example.org", ip="203.0.113.7").status_code == 429
    assert attempt(client, "guess9@example.org", ip="203.0.113.8").status_code == 422


def test_a_whole_group_signing_in_on_one_clinic_address_is_never_refused(app, make_app, db, world):
    from app.models import Role

    for n in range(12):
        world.add_person(f"group_member_{n}", Role.participant, world.cohort, world.cedar)
    client = make_app(signin_limit_ip="3 per 15 minutes").test_client()
    for n in range(12):
        email = f"group_member_{n}@example.test"
        assert attempt(client, email, PASSWORD, ip="192.0.2.50").status_code == 303
        sign_out(client)


def test_the_sign_in_page_still_opens_during_a_wait(make_app, world):
    client = make_app(signin_limit_account="0 per 15 minutes").test_client()
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email).status_code == 429
    assert client.get("/signin").status_code == 200


@pytest.fixture
def redis_names():
    """A unique email and address for this run, and their Redis keys flushed afterwards."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: sharing the count needs a Redis server")
    import redis

    unique = uuid.uuid4().hex[:12]
    email = f"shared-{unique}@example.org"
    ip = f"198.51.{int(unique[:2], 16)}.{int(unique[2:4], 16)}"
    server = redis.Redis.from_url(REDIS_URL)
    account = token_hash(normalise_email(email))[:32]
    address = token_hash(ip)[:32]
    yield email, ip, server, account
    for pattern in (f"*{account}*", f"*{address}*"):
        for key in server.scan_iter(match=pattern):
            server.delete(key)
    server.close()


def test_two_app_instances_sharing_redis_share_the_failure_count(make_app, world, redis_names):
    email, ip, server, account = redis_names
    settings = {"ratelimit_storage_uri": REDIS_URL, "signin_limit_account": "2 per 15 minutes"}
    first = make_app(**settings).test_client()
    assert attempt(first, email, ip=ip).status_code == 422
    assert attempt(first, email, ip=ip).status_code == 422
    # A second worker starts (its own limiter storage, its own connection to Redis).
    second = make_app(**settings).test_client()
    assert attempt(second, email, ip=ip).status_code == 422
    assert attempt(second, email, ip=ip).status_code == 429
    assert any(server.scan_iter(match=f"*{account}*")), "the count should live in Redis"
    # Neither the email nor the address is ever written to Redis in clear.
    names = b" ".join(server.scan_iter(match="*signin*"))
    assert email.encode() not in names and ip.encode() not in names


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_the_store_down_sign_in_answers_a_clear_503_never_a_500(make_app, world):
    app = make_app(ratelimit_storage_uri=f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    response = attempt(client, world.participant.email, PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Please try again in a minute" in page
    assert response.headers["Retry-After"] == "60"
    assert client.get("/signin").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert "limiter: degraded" in health.get_data(as_text=True)


def test_the_store_down_page_is_in_french_for_a_french_browser(make_app, world):
    app = make_app(ratelimit_storage_uri=f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": world.participant.email, "password": PASSWORD},
        headers={"Accept-Language": "fr-CA"},
    )
    assert response.status_code == 503
    assert "Veuillez réessayer dans une minute" in response.get_data(as_text=True)


class Proxy:
    """A TCP relay to Redis that can be cut and restored, as a network or Redis outage."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = closed_port()
        self.server: socket.socket | None = None
        self.links: list[socket.socket] = []

    def start(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen()
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        # shutdown first: a bare close leaves the socket listening while accept() waits on it.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
            link.close()
        self.links = []


def test_sign_in_recovers_by_itself_when_redis_answers_again(make_app, world, redis_names):
    from urllib.parse import urlsplit

    email, ip, server, account = redis_names
    target = urlsplit(REDIS_URL)
    proxy = Proxy(target.port or 6379)
    proxy.start()
    app = make_app(ratelimit_storage_uri=f"redis://127.0.0.1:{proxy.port}{target.path}")
    client = app.test_client()
    try:
        assert attempt(client, email, ip=ip).status_code == 422
        proxy.stop()
        assert attempt(client, email, ip=ip).status_code == 503
        assert "degraded" in client.get("/healthz").get_data(as_text=True)
        proxy.start()
        assert attempt(client, email, ip=ip).status_code == 422
        assert client.get("/healthz").get_data(as_text=True) == "ok"
        assert attempt(client, world.participant.email, PASSWORD, ip=ip).status_code == 303
    finally:
        proxy.stop()
