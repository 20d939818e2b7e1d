"""The staff home and the readiness board at 390 and 1280 px, in English and French: the next
medicine session one tap from the home, one card per person on a phone and a table on a
desktop and on paper, nothing off screen, zero axe violations."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.models import SafetyFlag, User
from tests.browser.helpers import check_page
from tests.browser.test_phone_reflow import sign_in_speaking

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-CA", "fr_CA": "fr-CA"}
WIDTHS = [390, 1280]
# Set to a folder to keep a screenshot of each screen, for a person to look at.
SHOTS = os.environ.get("BOARD_SHOTS")
WORDS = {
    "en": {
        "soon": "Medicine sessions in the next 72 hours",
        "open": "Open the readiness board",
        "board": "Readiness for session 1",
        # Jordan's checklist is done; the demo leaves the clinician's review to be recorded.
        "ready": "Checklist done",
        "chip": "Asked for support from the help page · not acknowledged",
    },
    "fr_CA": {
        "soon": "Séances de médecine dans les 72 prochaines heures",
        "open": "Ouvrir le tableau de préparation",
        "board": "Préparation pour la séance 1",
        "ready": "Liste remplie",
        "chip": "sans accusé de réception",
    },
}


def wider_than_the_screen(page, width: int) -> int:
    """How far the page runs past the screen; a phone widens its viewport to fit what
    overflows, so the measure is against the device's width, not innerWidth."""
    return page.evaluate(
        "(width) => Math.max(document.documentElement.scrollWidth, window.innerWidth) - width",
        width,
    )


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def casey_asked_for_contact(live_server):
    """An urgent flag nobody has acknowledged, for Casey, removed again afterwards."""
    engine = live_server.app.extensions["tend_engine"]
    with Session(engine) as db:
        casey = db.exec(select(User).where(User.email == "participant2@example.org")).one()
        flag = SafetyFlag(user_id=casey.id, cohort_id=1, source="support-button", level="urgent")
        db.add(flag)
        db.commit()
        flag_id = flag.id
    yield flag_id
    with Session(engine) as db:
        db.delete(db.get(SafetyFlag, flag_id))
        db.commit()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("email", ["medical@example.org", "facilitator@example.org"])
def test_the_next_session_is_one_tap_from_the_home_and_its_board_fits_the_screen(
    pages, casey_asked_for_contact, email: str, locale: str, width: int
):
    phone = width < 600
    other = next(tag for code, tag in LANGUAGES.items() if code != locale)
    size = {"width": width, "height": 844 if phone else 900}
    page = pages.page(locale=other, viewport=size, screen=size, is_mobile=phone, has_touch=phone)
    sign_in_speaking(page, email, locale)
    words = WORDS[locale]
    role = email.split("@")[0]

    page.goto("/")
    soon = page.get_by_role("region", name=words["soon"])
    expect(soon).to_be_visible()
    card = soon.get_by_role("listitem").first
    expect(card).to_contain_text(re.compile(r"\d"))
    assert wider_than_the_screen(page, width) <= 0
    check_page(page)
    shoot(page, f"home-{role}-{locale}-{width}")

    card.get_by_role("link", name=words["open"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["board"])
    cards, table = page.locator(".board-cards"), page.locator(".board-table")
    if phone:
        expect(cards).to_be_visible()
        expect(table).to_be_hidden()
        jordan = cards.get_by_role("listitem").filter(
            has=page.get_by_role("heading", name=re.compile("Jordan"))
        )
    else:
        expect(table).to_be_visible()
        expect(cards).to_be_hidden()
        jordan = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=re.compile("Jordan"))
        )
    expect(jordan).to_have_count(1)
    expect(jordan).to_contain_text(words["ready"])
    # Casey's urgent flag: her row is red, on top, with the flag one tap away.
    first = (cards.get_by_role("listitem") if phone else table.get_by_role("row")).nth(
        0 if phone else 1
    )
    expect(first).to_contain_text("Casey")
    expect(first).to_have_class(re.compile(r"--urgent\b"))
    chip = first.get_by_role("link", name=re.compile(words["chip"]))
    expect(chip).to_have_attribute("href", re.compile(rf"/flags#flag-{casey_asked_for_contact}$"))
    assert wider_than_the_screen(page, width) <= 0
    check_page(page)
    shoot(page, f"board-{role}-{locale}-{width}")

    # On paper the table, whatever the screen.
    page.emulate_media(media="print")
    expect(table).to_be_visible()
    expect(cards).to_be_hidden()
    page.emulate_media(media="screen")
