"""Real-browser fixtures: a live Tend on a fresh demo database, and Chromium at phone size.

The server is the real app (CSP, CSRF, sign-in, service worker) served by werkzeug in a
background thread; Chromium is the system one (CHROMIUM_PATH, default /usr/bin/chromium).
Nothing here downloads a browser: without Chromium the browser tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app, demo, migrations
from app.config import ROOT

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
HERE = Path(__file__).resolve().parent
# The options each browser context was made with, so a check can make a look-alike context.
CONTEXT_OPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Collects what the page's CSP refused and any uncaught script error, for check_page to report.
PAGE_WATCH = """
window.__cspViolations = [];
window.__pageErrors = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
});
window.addEventListener('error', (event) => {
  if (event.error || event.message) window.__pageErrors.push(String(event.message));
});
window.addEventListener('unhandledrejection', (event) => {
  window.__pageErrors.push(`unhandled rejection: ${event.reason}`);
});
"""


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is installed."""
    path = Path(CHROMIUM_PATH)
    if path.is_file() and os.access(path, os.X_OK):
        return None
    if shutil.which(CHROMIUM_PATH):
        return None
    return (
        f"no Chromium executable at {CHROMIUM_PATH} (install Debian's chromium package "
        "or set CHROMIUM_PATH); browser tests need a system Chromium"
    )


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


class _Deferred:
    """A WSGI callable bound after the port is known, so the app can point at itself."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def compile_catalogs() -> None:
    """Build stale .mo files from the .po catalogs, as `make catalogs` does before the tests."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Tend on a fresh, migrated SQLite database seeded with the demo cohort."""
    compile_catalogs()
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'tend-browser.sqlite3'}"
    migrations.upgrade(url)

    wsgi = _Deferred()
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    engine = None
    thread = None
    try:
        app = create_app(
            {
                "database_url": url,
                # A page of this same server: the quick exit never reaches the outside network.
                "quick_exit_url": f"{base}/healthz",
                # The journeys sign the demo people in often; the limits have their own tests.
                "signin_limit_account": "1000 per minute",
                "signin_limit_ip": "1000 per minute",
            }
        )
        engine = app.extensions["tend_engine"]
        demo.seed(app.config["TEND"], engine, only_if_empty=True)
        wsgi.app = app
        thread = threading.Thread(target=server.serve_forever, name="tend-live-server", daemon=True)
        thread.start()
        yield LiveServer(url=base, app=app)
    finally:
        if thread is not None:
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()
        if engine is not None:
            engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Pages:
    """Makes phone-sized browser contexts and closes them at the end of the test."""

    browser: object
    live_server: LiveServer
    contexts: list = field(default_factory=list)

    def context(self, **options):
        settings = {
            "viewport": PHONE,
            "screen": PHONE,
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
            "base_url": self.live_server.url,
            "locale": "en-CA",
        }
        settings.update(options)
        context = self.browser.new_context(**settings)
        CONTEXT_OPTIONS[context] = settings
        context.set_default_timeout(10_000)
        context.add_init_script(PAGE_WATCH)
        self.contexts.append(context)
        return context

    def page(self, **options):
        return self.context(**options).new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server) -> Iterator[Pages]:
    maker = Pages(browser=browser, live_server=live_server)
    yield maker
    maker.close()


@pytest.fixture
def page(pages):
    """A fresh phone: 390×844, touch, its own cookies and service worker."""
    return pages.page()
