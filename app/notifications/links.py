"""Links in messages: absolute addresses built without a request (the worker has none)."""

from __future__ import annotations

from flask import current_app


def path(endpoint: str, **values) -> str:
    """The path of an endpoint, as url_for would give it, from the app's URL map alone."""
    adapter = current_app.url_map.bind("tend.invalid")
    return adapter.build(endpoint, values)


def absolute(endpoint: str, **values) -> str:
    return current_app.config["TEND"].alerts.base_url + path(endpoint, **values)


def absolute_path(relative: str) -> str:
    """An address on Tend for a path stored with a message (never another site)."""
    if not relative.startswith("/") or relative.startswith("//"):
        relative = "/"
    return current_app.config["TEND"].alerts.base_url + relative
