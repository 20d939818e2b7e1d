"""Manifest, service worker and offline page. All public, none holds personal data."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Response, current_app, g, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.content.loader import content_fingerprint
from app.core.services import crisis_lines
from app.crypto import token_hash
from app.pwa import bp
from app.pwa.outbox_key import outbox_key
from app.static_files import cache_version, precache_urls


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest, named in the reader's language."""
    icons = [
        {
            "src": url_for("static", filename="icons/icon-192.png"),
            "sizes": "192x192",
            "type": "image/png",
            "purpose": "any",
        },
        {
            "src": url_for("static", filename="icons/icon-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "any",
        },
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    response = jsonify(
        {
            "name": _("Tend: between sessions"),
            "short_name": "Tend",
            "description": _("Practices, journaling and support between group sessions."),
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f7f5f0",
            "theme_color": "#2f5d50",
            "icons": icons,
            # A long press on the home-screen icon: the two things people reach for most.
            "shortcuts": [
                {"name": _("Settle now"), "url": url_for("exercises.library")},
                {"name": _("Write an entry"), "url": url_for("journal.new_entry")},
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _content_version() -> str:
    """Changes whenever a bundle file changes, so precached exercise pages are refreshed."""
    root = Path(current_app.config["TEND"].content_root)
    return hashlib.sha256(repr(content_fingerprint(root)).encode()).hexdigest()[:12]


def _exercise_pages() -> list[str]:
    """The regulation exercises: public, personal-free, and needed most when offline."""
    from app import content
    from app.exercises.services import DEFAULT_BUNDLE

    ids = sorted(content.library().ids("exercise", DEFAULT_BUNDLE))
    return [url_for("exercises.library")] + [
        url_for("exercises.exercise", exercise_id=exercise_id) for exercise_id in ids
    ]


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole app."""
    body = render_template(
        "pwa/sw.js",
        cache_version=cache_version(_content_version()),
        precache=precache_urls() + [url_for("pwa.offline")] + _exercise_pages(),
        offline_url=url_for("pwa.offline"),
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
def offline():
    """Shown by the service worker when there is no network; holds nothing personal."""
    response = Response(
        render_template("pwa/offline.html", public_shell=True, lines=crisis_lines())
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/outbox/session")
def outbox_session():
    """What the offline outbox needs before it replays: who is signed in, a fresh CSRF token,
    and whether this device may keep anything (not when it was marked as shared)."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, outbox=False)
    signin = g.get("signin")
    owner = token_hash(f"{current_app.config['SECRET_KEY']}:outbox:{current_user.id}")[:24]
    return jsonify(
        signed_in=True,
        owner=owner,
        csrf_token=generate_csrf(),
        outbox=not (signin and signin.shared_device),
    )


@bp.route("/outbox/key")
def outbox_seal_key():
    """The signed-in person's key for sealing what the outbox keeps on this device.

    Only behind sign-in (an ended, idle or deactivated session is sent to sign in instead),
    never cached, and held by the page in memory only, as a key it cannot export. A device
    marked as shared keeps nothing, so it is given no key."""
    signin = g.get("signin")
    if signin is not None and signin.shared_device:
        response = jsonify(key=None)
    else:
        raw = outbox_key(current_app.config["SECRET_KEY"], current_user.id)
        response = jsonify(key=base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
