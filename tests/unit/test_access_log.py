"""The calendar feed's secret never reaches an access log: gunicorn's lines (with the format
gunicorn.conf.py sets) and the development server's (werkzeug's request handler) both show a
redacted path."""

from __future__ import annotations

import io
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from werkzeug.serving import WSGIRequestHandler

from app.access_log import REDACTED, install_development_filter

SECRET = "Zk3-very-secret_feed-token"
FEED = f"/calendar/{SECRET}.ics"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.any_database


def gunicorn_logger(stream: io.StringIO):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    for name in ("access_log_format", "logger_class", "accesslog"):
        cfg.set(name, settings[name])
    logger = cfg.logger_class(cfg)
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]
    return logger


def test_gunicorn_access_lines_redact_the_feed_secret():
    stream = io.StringIO()
    logger = gunicorn_logger(stream)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": FEED + "?x=1",
        "PATH_INFO": FEED,
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": "https://example.org" + FEED,
    }
    response = SimpleNamespace(status="200 OK", sent=120, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "https://example.org" + FEED)])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    line = stream.getvalue()
    assert f"/calendar/{REDACTED}.ics" in line
    assert SECRET not in line
    assert '"GET' in line and " 200 " in line  # the rest of the line is as configured


def test_gunicorn_redacts_every_atom_a_format_could_name():
    logger = gunicorn_logger(io.StringIO())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": FEED,
        "PATH_INFO": FEED,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=1, headers=[("Location", FEED)])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta())
    assert not [key for key, value in atoms.items() if SECRET in str(value)]


def test_the_development_server_request_line_is_redacted(caplog):
    install_development_filter()
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline = f"GET {FEED} HTTP/1.1"
    handler.client_address = ("127.0.0.1", 5000)
    handler.command, handler.path = "GET", FEED
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200, 120)
    [record] = caplog.records
    line = record.getMessage()
    assert f"/calendar/{REDACTED}.ics" in line
    assert SECRET not in line


def test_other_paths_are_logged_as_they_are(caplog):
    install_development_filter()
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline = "GET /journal/12 HTTP/1.1"
    handler.client_address = ("127.0.0.1", 5000)
    handler.command, handler.path = "GET", "/journal/12"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200, 120)
    assert "/journal/12" in caplog.records[0].getMessage()
