"""Signing in and setting up second factors through HTTP, as a browser would."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp

from tests.conftest import PASSWORD, csrf_token, post

SECRET = re.compile(r"data-totp-secret>([A-Z2-7 ]+)<")
CODE = re.compile(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>")


def password_step(client, user, password: str = PASSWORD):
    response = client.post(
        "/signin",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": password},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response


def path_of(response) -> str:
    return urlsplit(response.location).path


def set_up_app(client) -> str:
    """Set up an authenticator app for the signed-in person; returns its secret."""
    page = client.get("/second-factor/setup/app").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    response = post(client, "/second-factor/setup/app", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return secret


def make_recovery_codes(client) -> list[str]:
    response = post(client, "/account/second-factor/recovery-codes")
    assert response.status_code == 200
    codes = CODE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return codes


def next_code(secret: str) -> str:
    """The code of the coming 30-second step: valid now (one step of drift is allowed), and
    never the one just used to set the app up."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def sign_out(client) -> None:
    assert post(client, "/signout").status_code == 303
