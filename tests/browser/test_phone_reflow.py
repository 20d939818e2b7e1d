"""Reflow on small phones (WCAG 1.4.10): every role's pages, in English and in French, at 390
and 320 CSS px, with nothing scrolling sideways and no safety link or nav label cut off.

French labels run longer than English ones; the quick exit and the help link must stay whole
and tappable whatever the language, so each is measured, not only the page width. The header
is one row; staff screens carry no participant tools (no quick exit, no Settle).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import MIN_TARGET, assert_touch_targets

pytestmark = pytest.mark.browser

ROLES = [
    "participant@example.org",
    "facilitator@example.org",
    "medical@example.org",
    "admin@example.org",
]
LANGUAGES = {"en": "en-CA", "fr_CA": "fr-CA"}
WIDTHS = [390, 320]
HEIGHT = 844
# Below this the header links would no longer be the size people read them at today.
MIN_HEADER_FONT_PX = 14
MIN_NAV_FONT_PX = 12
# Set to a folder to keep a screenshot of each page measured, for a person to look at.
SHOTS = os.environ.get("REFLOW_SHOTS")

MEASURE_JS = r"""([width, minimum, minHeaderFont, minNavFont, safetyLinks]) => {
    const problems = [];
    // A mobile browser widens its viewport to fit content that overflows the device width,
    // so the widths are measured against the width of the phone, not innerWidth.
    for (const [name, value] of [['innerWidth', window.innerWidth],
            ['the root element', document.documentElement.clientWidth]]) {
        if (value !== width) problems.push(`${name} is ${value} px on a ${width} px phone`);
    }
    const describe = (el) =>
        `${el.className || el.tagName.toLowerCase()} "${el.innerText.replace(/\s+/g, ' ').trim()}"`;
    const inside = (el, what) => {
        const box = el.getBoundingClientRect();
        if (box.left < -0.5 || box.right > width + 0.5) {
            problems.push(`${what} ${describe(el)} spans ${box.left.toFixed(1)}–` +
                `${box.right.toFixed(1)} px, outside the ${width} px viewport`);
        }
        return box;
    };
    const whole = (el, what) => {
        // Sideways only: a glyph taller than its line box spills harmlessly into the padding.
        if (el.scrollWidth > el.clientWidth + 0.5) {
            problems.push(`${what} ${describe(el)} is clipped: ${el.scrollWidth} px of text ` +
                `in a ${el.clientWidth} px box`);
        }
    };
    const fontAtLeast = (el, px, what) => {
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < px - 0.01) problems.push(`${what} ${describe(el)} is set at ${size} px`);
    };
    const bigEnough = (box, el, what) => {
        if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
            problems.push(`${what} ${describe(el)} is ${box.width.toFixed(1)}×` +
                `${box.height.toFixed(1)} px`);
        }
    };
    const scroll = document.documentElement.scrollWidth;
    if (scroll > width) problems.push(`the page is ${scroll} px wide in a ${width} px viewport`);
    const links = document.querySelectorAll('.topbar .safety a');
    if (links.length !== safetyLinks) {
        problems.push(`${links.length} header safety links, not ${safetyLinks}`);
    }
    const header = document.querySelector('.topbar').getBoundingClientRect();
    if (header.height > 60) problems.push(`the header is ${header.height} px tall, not one row`);
    for (const link of links) {
        bigEnough(inside(link, 'header link'), link, 'header link');
        whole(link, 'header link');
        fontAtLeast(link, minHeaderFont, 'header link');
    }
    for (const link of document.querySelectorAll('.mainnav a')) {
        bigEnough(inside(link, 'nav item'), link, 'nav item');
        whole(link, 'nav item');
        for (const label of link.querySelectorAll('span')) {
            inside(label, 'nav label');
            whole(label, 'nav label');
            if (!label.classList.contains('mainnav__icon')) {
                fontAtLeast(label, minNavFont, 'nav label');
            }
        }
    }
    return problems;
}"""


def sign_in_speaking(page: Page, email: str, locale: str) -> None:
    """Sign in with the page in one language, chosen for this browser only.

    The switch on the sign-in page keeps the choice in the session, which outranks anything
    an earlier test saved on the account, and saves nothing on the account itself. The browser
    starts in the other language, so the switch is always there to press: a page already in
    the wanted language by Accept-Language alone would lose to a preference saved earlier.
    """
    page.goto("/signin")
    page.locator(f'.language-switch button[name="locale"][value="{locale}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))
    page.locator('input[type="email"]').fill(email)
    page.locator('input[type="password"]').fill(DEMO_PASSWORD)
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".mainnav")).to_be_visible()


def measure(page: Page, width: int, label: str, safety_links: int) -> list[str]:
    problems = page.evaluate(
        MEASURE_JS, [width, MIN_TARGET, MIN_HEADER_FONT_PX, MIN_NAV_FONT_PX, safety_links]
    )
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", label)
        page.screenshot(path=str(folder / f"{name}.png"))
    return [f"{label}: {problem}" for problem in problems]


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("email", ROLES)
def test_pages_reflow_on_small_phones(pages, email: str, locale: str):
    other = next(tag for code, tag in LANGUAGES.items() if code != locale)
    page = pages.page(locale=other)
    sign_in_speaking(page, email, locale)
    paths = page.eval_on_selector_all(".mainnav a", "links => links.map((a) => a.pathname)")
    participant = email.startswith("participant")
    # Settle is in a participant's bottom bar, and nowhere on a staff screen.
    assert ("/settle/" in paths) == participant, paths
    # The settle pages have their own public shell (no bottom bar), the same for everyone.
    if not participant:
        paths.append("/settle/")
    assert len(paths) >= 4, f"{email} sees only {paths}"

    problems = []
    for path in paths:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            role = email.split("@")[0]
            label = f"{role}-{locale}-{width}{path.replace('/', '-')}"
            public = path.startswith("/settle/")
            problems += measure(page, width, label, 2 if participant or public else 0)
            assert_touch_targets(page)
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    assert not problems, "\n".join(problems)
