"""Manifest, service worker and offline page. All public, none holds personal data."""

from __future__ import annotations

from flask import Response, jsonify, render_template, url_for
from flask_babel import gettext as _

from app.core.services import crisis_lines
from app.pwa import bp
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
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole app."""
    body = render_template(
        "pwa/sw.js",
        cache_version=cache_version(),
        precache=precache_urls() + [url_for("pwa.offline")],
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
