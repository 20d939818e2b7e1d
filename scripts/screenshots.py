"""Render Tend's key screens, as people meet them, into a folder for a person to look at.

`make screenshots` runs this: a fresh demo database, the real app served on a local port,
and the system Chromium signing in as the demo participant and facilitator. Every key screen
(home, Settle, the player running, this week, check-ins, the journal composer, the readiness
board, the staff home) is rendered at 320, 390 and 1280 px wide, in English and in French, into
`screenshots/` (not committed). With `--readme` it also writes the four small JPEGs the README
shows into `docs/screenshots/`.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app, demo, migrations
from app.config import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTHS = (320, 390, 1280)
HEIGHTS = {320: 640, 390: 844, 1280: 860}
LOCALES = ("en", "fr_CA")
# Casey has check-ins still to do, so "Today" and the check-ins show a next step.
PARTICIPANT = "participant2@example.org"
FACILITATOR = "facilitator@example.org"
# The four the README shows: (screen, width, locale).
README = (
    ("home", 390, "en"),
    ("settle", 390, "en"),
    ("check-ins", 390, "fr_CA"),
    ("board", 1280, "en"),
)


def serve() -> tuple[str, object]:
    """Tend on a fresh demo database in a background thread; its base URL and the server."""
    folder = Path(tempfile.mkdtemp(prefix="tend-shots-"))
    url = f"sqlite:///{folder / 'tend.sqlite3'}"
    migrations.upgrade(url)
    holder: dict = {}
    server = make_server("127.0.0.1", 0, lambda e, s: holder["app"](e, s), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            "database_url": url,
            "quick_exit_url": f"{base}/healthz",
            "signin_limit_account": "1000 per minute",
            "signin_limit_ip": "1000 per minute",
        }
    )
    demo.seed(app.config["TEND"], app.extensions["tend_engine"], only_if_empty=True)
    holder["app"] = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base, server


def sign_in(page: Page, email: str, locale: str) -> None:
    page.goto("/signin")
    switch = page.locator(f'.language-switch button[name="locale"][value="{locale}"]')
    if switch.count():
        switch.click()
    expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))
    page.locator('input[type="email"]').fill(email)
    page.locator('input[type="password"]').fill(demo.DEFAULT_PASSWORD)
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/$"))


def participant_screens(page: Page):
    yield "home", "/", None
    yield "settle", "/settle/", None
    yield "this-week", "/week", None
    yield "check-ins", "/check-ins/", None
    yield "journal", "/journal/new", None
    yield "player", "/settle/box-breathing", "start"


def staff_screens(page: Page):
    yield "staff-home", "/", None
    # The board of the demo cohort's next session, found as staff find it: on the timeline.
    page.goto("/")
    cohort = page.locator('a[href^="/team/cohorts/"]').first.get_attribute("href")
    page.goto("/team/cohorts/" + cohort.split("/")[3] + "/timeline")
    yield "board", page.locator('a[href$="/board"]').first.get_attribute("href"), None


def shoot(page: Page, path: str, action: str | None, target: Path, quality: int | None) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    if action == "start":
        page.locator('[data-player] [data-action="start"]').click()
        page.wait_for_timeout(1200)
    if quality:
        page.screenshot(path=str(target), type="jpeg", quality=quality)
    else:
        page.screenshot(path=str(target), full_page=action is None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--readme", action="store_true", help="also write docs/screenshots")
    parser.add_argument("--only", nargs="*", help="only these screens (home, journal, board…)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    readme = ROOT / "docs" / "screenshots"
    base, server = serve()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            people = ((PARTICIPANT, participant_screens), (FACILITATOR, staff_screens))
            if args.only:
                staff = {"staff-home", "board"}
                people = tuple(
                    (email, screens)
                    for email, screens in people
                    if (email == FACILITATOR) == bool(staff & set(args.only))
                    or (email == PARTICIPANT and set(args.only) - staff)
                )
            for email, screens in people:
                for locale in LOCALES:
                    for width in WIDTHS:
                        context = browser.new_context(
                            base_url=base,
                            viewport={"width": width, "height": HEIGHTS[width]},
                            device_scale_factor=1 if width > 1000 else 2,
                            is_mobile=width < 1000,
                            has_touch=width < 1000,
                            locale=locale.replace("_", "-"),
                            reduced_motion="reduce",
                        )
                        page = context.new_page()
                        sign_in(page, email, locale)
                        for name, path, action in list(screens(page)):
                            if args.only and name not in args.only:
                                continue
                            shoot(page, path, action, out / f"{name}-{locale}-{width}.png", None)
                            print(f"{name}-{locale}-{width}.png")
                        context.close()
            if args.readme:
                readme.mkdir(parents=True, exist_ok=True)
                for name, width, locale in README:
                    email = FACILITATOR if name in ("board", "staff-home") else PARTICIPANT
                    context = browser.new_context(
                        base_url=base,
                        viewport={"width": width, "height": 760 if width < 1000 else 720},
                        device_scale_factor=1,
                        locale=locale.replace("_", "-"),
                        reduced_motion="reduce",
                    )
                    page = context.new_page()
                    sign_in(page, email, locale)
                    screens = staff_screens if email == FACILITATOR else participant_screens
                    path = next(p for n, p, _a in screens(page) if n == name)
                    target = readme / f"{name}-{locale}-{width}.jpg"
                    shoot(page, path, None, target, quality=55)
                    print(target.relative_to(ROOT), target.stat().st_size, "bytes")
                    context.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
