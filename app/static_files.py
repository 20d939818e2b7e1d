"""Fingerprinted static URLs: a content hash in the URL lets browsers cache for a year."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from flask import Flask, Response, current_app, request

from app.config import ROOT

STATIC = ROOT / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
# What the service worker keeps for offline use: the shell's assets, nothing personal.
PRECACHE = [
    "css/tokens.css",
    "css/base.css",
    "css/components.css",
    "css/app.css",
    "vendor/fonts.css",
    "vendor/fonts/nunito-sans.woff2",
    "vendor/icons.svg",
    "js/app.js",
    "js/quick-exit.js",
    "js/outbox.js",
    "js/outbox-seal.js",
    "js/offered-back.js",
    "js/player.js",
    "js/journal.js",
    "vendor/htmx.min.js",
    "icons/icon-192.png",
]


@lru_cache(maxsize=512)
def _digest(filename: str) -> str | None:
    path = (STATIC / filename).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _integrity(filename: str) -> str:
    path = (STATIC / filename).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        raise FileNotFoundError(filename)
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def integrity(filename: str) -> str:
    """Subresource Integrity for a script tag: the browser refuses a file changed in transit or
    on a cache. Read afresh while developing, so an edited file is not refused."""
    if current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return _integrity.__wrapped__(filename)
    return _integrity(filename)


def cache_version(extra: str = "") -> str:
    combined = "".join(_digest(name) or "-" for name in PRECACHE) + extra
    return hashlib.sha256(combined.encode()).hexdigest()[:12]


def precache_urls() -> list[str]:
    from flask import url_for

    return [url_for("static", filename=name) for name in PRECACHE if _digest(name)]


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = _digest(values["filename"])
        if digest:
            values["v"] = digest


def _immutable_when_fingerprinted(response: Response) -> Response:
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def _close_streamed_body(response: Response) -> Response:
    # flask-compress swaps a streamed body (a static file) for a generator and drops the
    # file's close(); closing it with the response keeps file handles from leaking.
    body = response.response
    if response.is_streamed and hasattr(body, "close"):
        response.call_on_close(body.close)
    return response


def init_app(app: Flask) -> None:
    if app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"):
        _digest.cache_clear()
    app.url_defaults(_add_fingerprint)
    app.jinja_env.globals["integrity"] = integrity
    app.after_request(_immutable_when_fingerprinted)
    # Registered after compress.init_app, so it runs before flask-compress wraps the body.
    app.after_request(_close_streamed_body)
