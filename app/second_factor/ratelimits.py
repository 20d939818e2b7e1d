"""Attempts at a second factor are limited per person, whoever sends them from wherever."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from app.crypto import token_hash
from app.second_factor import pending


def attempt_limit() -> str:
    return current_app.config["TEND"].second_factor_limit


def person_key() -> str:
    # Hashed, so the limiter's store (Redis) never holds an account id in the clear.
    if current_user.is_authenticated:
        who = f"user:{current_user.id}"
    else:
        who = f"user:{pending.user_id()}" if pending.user_id() else f"ip:{request.remote_addr}"
    return "second-factor:" + token_hash(who)[:32]
