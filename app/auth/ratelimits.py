"""Sign-in rate limits: per account and per address, shared through Redis when configured."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from app.auth.services import normalise_email
from app.crypto import token_hash


@dataclass(frozen=True)
class SignInLimits:
    per_account: str
    per_ip: str


def signin_limits() -> SignInLimits:
    settings = current_app.config["TEND"]
    return SignInLimits(per_account=settings.signin_limit_account, per_ip=settings.signin_limit_ip)


def account_key() -> str:
    # Hashed so that the limiter's storage (Redis) never holds an email address.
    email = normalise_email(request.form.get("email", ""))
    return "account:" + token_hash(email)[:32]
