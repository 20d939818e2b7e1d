"""Sign-in attempts are limited per account and per address, calmly, and across instances."""

from __future__ import annotations

import os
import re
import uuid

import pytest

from app.auth.services import normalise_email
from app.crypto import token_hash
from tests.conftest import PASSWORD, csrf_token

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
WRONG = "not the password at all"


def attempt(client, email: str, password: str = WRONG, ip: str = "127.0.0.1"):
    environ = {"REMOTE_ADDR": ip}
    token = csrf_token(client)
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/signin", data=data, environ_base=environ)


def test_the_fourth_attempt_on_one_account_is_refused_with_a_calm_429_page(make_app, world):
    client = make_app(signin_limit_account="3 per 15 minutes").test_client()
    for _ in range(3):
        assert attempt(client, world.participant.email).status_code == 422
    response = attempt(client, world.participant.email)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "pause for a moment" in page
    assert re.search(r"You can try again in \d+ minutes", page)
    assert '<html lang="en" dir="ltr">' in page
    assert int(response.headers["Retry-After"]) > 0


def test_a_limited_account_is_refused_even_with_the_right_password(make_app, world):
    client = make_app(signin_limit_account="3 per 15 minutes").test_client()
    for _ in range(3):
        attempt(client, world.participant.email)
    assert attempt(client, world.participant.email, PASSWORD).status_code == 429


def test_the_account_limit_counts_an_email_whatever_its_case(make_app, world):
    client = make_app(signin_limit_account="2 per 15 minutes").test_client()
    attempt(client, world.participant.email.upper())
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email.title()).status_code == 429


def test_the_account_limit_leaves_other_accounts_free(make_app, world):
    client = make_app(signin_limit_account="3 per 15 minutes").test_client()
    for _ in range(4):
        attempt(client, world.participant.email)
    assert attempt(client, world.same_group.email, PASSWORD).status_code == 303


def test_the_fourth_attempt_from_one_address_is_refused_whatever_the_account(make_app, world):
    client = make_app(signin_limit_ip="3 per 15 minutes").test_client()
    for n in range(3):
        assert attempt(client, f"guess{n}@example.org", ip="203.0.113.7").status_code == 422
    assert attempt(client, "guess9@example.org", ip="203.0.113.7").status_code == 429
    assert attempt(client, "guess9@example.org", ip="203.0.113.8").status_code == 422


def test_the_sign_in_page_still_opens_while_posts_are_limited(make_app, world):
    client = make_app(signin_limit_account="1 per 15 minutes").test_client()
    attempt(client, world.participant.email)
    assert attempt(client, world.participant.email).status_code == 429
    assert client.get("/signin").status_code == 200


def test_a_new_instance_on_memory_storage_counts_afresh_which_is_why_workers_need_redis(
    make_app, world
):
    first = make_app(signin_limit_account="2 per 15 minutes").test_client()
    attempt(first, world.participant.email)
    attempt(first, world.participant.email)
    assert attempt(first, world.participant.email).status_code == 429
    second = make_app(signin_limit_account="2 per 15 minutes").test_client()
    assert attempt(second, world.participant.email).status_code == 422


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
    yield email, ip, server, account
    for pattern in (f"*{account}*", f"*{ip}*"):
        for key in server.scan_iter(match=pattern):
            server.delete(key)
    server.close()


def test_two_app_instances_sharing_redis_share_the_sign_in_count(make_app, world, redis_names):
    email, ip, server, account = redis_names
    settings = {"ratelimit_storage_uri": REDIS_URL, "signin_limit_account": "3 per 15 minutes"}
    first = make_app(**settings).test_client()
    assert attempt(first, email, ip=ip).status_code == 422
    assert attempt(first, email, ip=ip).status_code == 422
    # A second worker starts (its own limiter storage, its own connection to Redis).
    second = make_app(**settings).test_client()
    assert attempt(second, email, ip=ip).status_code == 422
    assert attempt(second, email, ip=ip).status_code == 429
    assert any(server.scan_iter(match=f"*{account}*")), "the count should live in Redis"


def _unreachable_redis() -> str:
    """A Redis URL where nothing listens: Redis down, or restarting."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_sign_in_still_works_and_is_still_limited_while_redis_is_away(make_app, world):
    app = make_app(
        ratelimit_storage_uri=_unreachable_redis(), signin_limit_account="3 per 15 minutes"
    )
    assert attempt(app.test_client(), world.participant.email, PASSWORD).status_code == 303
    # Counted in each process's memory meanwhile: guess after guess is still refused.
    client, other = app.test_client(), world.same_group.email
    for _ in range(3):
        assert attempt(client, other).status_code == 422
    assert attempt(client, other).status_code == 429
