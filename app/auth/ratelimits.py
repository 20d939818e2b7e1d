"""The sign-in settings: free failures per account and per address (see app/auth/throttle.py),
and the plain limit on enrolment posts per address."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class SignInLimits:
    per_account: str
    per_ip: str


def signin_limits() -> SignInLimits:
    settings = current_app.config["TEND"]
    return SignInLimits(per_account=settings.signin_limit_account, per_ip=settings.signin_limit_ip)
