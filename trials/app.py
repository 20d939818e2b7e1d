"""Tend as the trials serve it: the real app, with sign-in limits that a run can live with.

A run signs devices in hundreds of times from 127.0.0.1; the limits themselves have their
own tests (tests/web/test_rate_limits.py). Everything else is the production code path.
"""

from app import create_app


def create():
    return create_app(
        {"signin_limit_account": "10000 per minute", "signin_limit_ip": "10000 per minute"}
    )
