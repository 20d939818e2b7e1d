"""The policy's reporting endpoint: violations are logged without personal content, and a page
that floods it is slowed down, not logged without end."""

from __future__ import annotations

import json
import logging

import pytest

from tests.web.test_headers import parse_csp

pytestmark = pytest.mark.any_database

SECRET = "s3cr3t-feed-token"


def legacy_report(**fields) -> bytes:
    report = {
        "document-uri": f"http://localhost/calendar/{SECRET}.ics?name=Ada",
        "blocked-uri": "https://evil.example/steal.js?who=ada@example.org",
        "effective-directive": "script-src-elem",
        "disposition": "enforce",
        **fields,
    }
    return json.dumps({"csp-report": report}).encode()


def test_the_policy_denies_by_default_and_names_where_to_report(client):
    headers = client.get("/help").headers
    policy = parse_csp(headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'"
    assert policy["report-uri"] == "/csp-report"
    assert policy["report-to"] == "csp"
    assert headers["Reporting-Endpoints"] == 'csp="/csp-report"'


def test_a_legacy_report_is_logged_with_the_directive_and_origin_only(client, caplog):
    caplog.set_level(logging.WARNING, logger="tend.csp")
    response = client.post(
        "/csp-report", data=legacy_report(), content_type="application/csp-report"
    )
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "tend.csp"]
    line = record.getMessage()
    assert "script-src-elem" in line
    assert "https://evil.example" in line
    for personal in (SECRET, "ada@example.org", "Ada", "steal.js"):
        assert personal not in line


def test_a_reporting_api_report_is_logged_too(client, caplog):
    caplog.set_level(logging.WARNING, logger="tend.csp")
    body = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "http://localhost/help",
                "blockedURL": "inline",
                "effectiveDirective": "style-src-attr",
                "disposition": "enforce",
            },
        }
    ]
    response = client.post(
        "/csp-report", data=json.dumps(body), content_type="application/reports+json"
    )
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "tend.csp"]
    assert "style-src-attr" in record.getMessage()
    assert "core.help_page" in record.getMessage()


def test_nonsense_is_accepted_quietly(client, caplog):
    caplog.set_level(logging.WARNING, logger="tend.csp")
    response = client.post("/csp-report", data=b"\xff{not json", content_type="application/json")
    assert response.status_code == 204
    assert not [r for r in caplog.records if r.name == "tend.csp"]


def test_a_flood_of_reports_is_rate_limited(client, caplog):
    caplog.set_level(logging.WARNING, logger="tend.csp")
    answers = [
        client.post(
            "/csp-report", data=legacy_report(), content_type="application/csp-report"
        ).status_code
        for _ in range(25)
    ]
    assert answers.count(204) == 20
    assert answers[-1] == 429
    assert len([r for r in caplog.records if r.name == "tend.csp"]) == 20
