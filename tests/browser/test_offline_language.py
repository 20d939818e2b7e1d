"""A person who installed Tend in one language and switched to the other gets the exercises in
the new language offline too: the service worker refreshes its copies of the public pages
when the pages' language is no longer the one it kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import sign_in
from tests.browser.test_feature_journeys import switch_language, wait_until

pytestmark = pytest.mark.browser

CACHED_LANG_JS = """async () => {
    const cache = await caches.open((await caches.keys()).find((k) => k.startsWith('tend-')));
    const page = await cache.match('/settle/box-breathing');
    return page ? (await page.text()).match(/<html lang="([^"]+)"/)[1] : null;
}"""


def test_switching_language_refreshes_the_offline_exercises(pages):
    page = pages.page()
    sign_in(page, "participant@example.org", DEMO_PASSWORD, audit=False)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "navigator.serviceWorker.ready.then((r) => r.active.state === 'activated')"
    )
    assert page.evaluate(CACHED_LANG_JS) == "en"
    page.get_by_role("contentinfo").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    wait_until(lambda: page.evaluate(CACHED_LANG_JS) == "fr-CA", message="still English")
    page.context.set_offline(True)
    try:
        page.goto("/settle/box-breathing")
        expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    finally:
        page.context.set_offline(False)
        # The choice is saved on the shared demo account: the journeys after this one read
        # Jordan's pages in English.
        page.goto("/")
        switch_language(page, "en")
