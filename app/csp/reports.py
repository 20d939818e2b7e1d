"""Violation reports: one log line each, with nothing a person typed or can be told apart by.

Browsers send either the legacy `application/csp-report` body (report-uri) or a Reporting API
list (`application/reports+json`, report-to). Only the directive, the kind of source that was
blocked (a keyword or an origin, never a path or query) and the page's route are kept: a URL of
a page can carry ids and the calendar feed's secret.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from app.csp import bp
from app.extensions import csrf, limiter

log = logging.getLogger("tend.csp")

# A misbehaving page can send a report per blocked load; past this a browser is answered 429
# and nothing more is logged for it.
REPORT_LIMIT = "20 per minute"
MAX_REPORTS_PER_BODY = 10
_KEYWORDS = frozenset(
    {"inline", "eval", "wasm-eval", "data", "blob", "self", "trusted-types-policy"}
)


def _source_kind(blocked: object) -> str:
    if not isinstance(blocked, str) or not blocked:
        return "unknown"
    if blocked in _KEYWORDS:
        return blocked
    parts = urlsplit(blocked)
    if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return parts.scheme or "unknown"


def _page_route(document: object) -> str:
    if not isinstance(document, str):
        return "unknown"
    try:
        endpoint, _values = current_app.url_map.bind("").match(urlsplit(document).path)
    except HTTPException:
        return "unknown"
    return endpoint


def _bodies(payload: object) -> list[dict]:
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        return [
            {
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "document": report.get("document-uri"),
                "disposition": report.get("disposition", "enforce"),
            }
        ]
    if isinstance(payload, list):
        found = []
        for entry in payload[:MAX_REPORTS_PER_BODY]:
            body = entry.get("body") if isinstance(entry, dict) else None
            if isinstance(body, dict) and entry.get("type") == "csp-violation":
                found.append(
                    {
                        "directive": body.get("effectiveDirective"),
                        "blocked": body.get("blockedURL"),
                        "document": body.get("documentURL"),
                        "disposition": body.get("disposition", "enforce"),
                    }
                )
        return found
    return []


@bp.route("/csp-report", methods=["POST"])
@csrf.exempt  # browsers send reports on their own, without the page's token
@limiter.limit(REPORT_LIMIT)
def report():
    """Log what the policy blocked, without personal content; always answer 204."""
    try:
        payload = json.loads(request.get_data(cache=False, as_text=True) or "null")
    except ValueError:
        payload = None
    for found in _bodies(payload):
        directive = found["directive"] if isinstance(found["directive"], str) else "unknown"
        log.warning(
            "csp violation %s",
            json.dumps(
                {
                    "directive": directive[:40],
                    "blocked": _source_kind(found["blocked"])[:120],
                    "page": _page_route(found["document"]),
                    "disposition": str(found["disposition"])[:10],
                },
                sort_keys=True,
            ),
        )
    return Response(status=204)
