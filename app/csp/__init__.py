"""The Content-Security-Policy: nothing allowed by default, each source the pages need added,
and the endpoint browsers report violations to."""

from flask import Blueprint

bp = Blueprint("csp", __name__)

# Deny by default; each line is a kind of resource a page really loads, from this origin only.
POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",  # htmx and the app's modules; no inline script, no eval
    "style-src": "'self'",
    "img-src": "'self'",  # the icon sprite and the app icons
    "font-src": "'self'",  # the self-hosted, subset fonts
    "connect-src": "'self'",  # htmx requests, the outbox and the push subscription
    "manifest-src": "'self'",
    "worker-src": "'self'",  # the service worker (offline pages, push)
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
REPORT_GROUP = "csp"

from app.csp import reports  # noqa: E402, F401
