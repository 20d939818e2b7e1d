"""Settle on small phones, as a distressed person meets it: Begin above the fold, the player
in full view once it starts (never behind the sticky header), and a page that does not jump
as its script starts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page

pytestmark = pytest.mark.browser

# (width, height, locale): the phones the findings were made on.
PHONES = [(320, 568, "en-CA"), (375, 667, "en-CA"), (320, 640, "fr-CA")]

# Is each element's centre on screen and the topmost thing there (not under the header)?
IN_VIEW_JS = r"""(selectors) => selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return `${selector}: missing`;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return `${selector}: not shown`;
    if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 ||
            box.right > window.innerWidth) {
        return `${selector}: ${box.top.toFixed(0)}–${box.bottom.toFixed(0)} px, outside the ` +
            `${window.innerWidth}×${window.innerHeight} screen`;
    }
    const x = box.left + box.width / 2, y = box.top + Math.min(box.height / 2, 20);
    const top = document.elementFromPoint(x, y);
    if (top && !el.contains(top) && !top.contains(el)) {
        return `${selector}: covered by ${top.className || top.tagName}`;
    }
    return null;
}).filter(Boolean)"""

LAYOUT_SHIFT_JS = r"""() => new Promise((resolve) => {
    let total = 0;
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => resolve(total), 1000);
})"""


@pytest.mark.parametrize(("width", "height", "locale"), PHONES)
def test_begin_is_above_the_fold_and_the_player_stays_in_view(pages, width, height, locale):
    page: Page = pages.page(
        viewport={"width": width, "height": height},
        screen={"width": width, "height": height},
        locale=locale,
    )
    page.goto("/settle/box-breathing")
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "ready")
    assert page.evaluate(IN_VIEW_JS, ['[data-action="start"]']) == []
    page.locator('[data-action="start"]').click()
    expect(player).to_have_attribute("data-state", "running")
    page.wait_for_timeout(300)
    problems = page.evaluate(
        IN_VIEW_JS,
        ["[data-pacer]", "[data-phase-text]", '[data-action="pause"]', '[data-action="stop"]'],
    )
    assert problems == [], f"{width}×{height} {locale}: {problems}"
    # The quick exit stays within reach while the player runs.
    assert page.evaluate(IN_VIEW_JS, [".quick-exit"]) == []
    check_page(page)
    page.locator('[data-action="stop"]').click()
    expect(player).to_have_attribute("data-state", "stopped")


def test_the_exercise_page_does_not_shift_as_its_script_starts(pages):
    page = pages.page(service_workers="block")
    page.goto("/settle/box-breathing")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    shift = page.evaluate(LAYOUT_SHIFT_JS)
    assert shift < 0.01, f"cumulative layout shift {shift:.3f}"


def test_settle_starts_a_one_minute_breath_in_one_tap(pages):
    page = pages.page(viewport={"width": 320, "height": 568}, screen={"width": 320, "height": 568})
    page.goto("/settle/")
    quick = page.get_by_role("link", name="Start a one-minute breath now")
    assert page.evaluate(IN_VIEW_JS, [".settle-quick"]) == []
    check_page(page)
    quick.click()
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "running")
    assert page.evaluate(IN_VIEW_JS, ["[data-pacer]", '[data-action="stop"]']) == []
    page.locator('[data-action="stop"]').click()
    expect(player).to_have_attribute("data-state", "stopped")


def test_the_last_duration_chosen_is_offered_again(pages):
    page = pages.page()
    page.goto("/settle/box-breathing")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    page.get_by_role("radio", name="5 minutes").check()
    page.locator('[data-action="start"]').click()
    page.locator('[data-action="stop"]').click()
    page.goto("/settle/extended-exhale")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    expect(page.get_by_role("radio", name="5 minutes")).to_be_checked()
