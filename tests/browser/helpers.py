"""What every browser journey checks on each page: axe-core, touch targets, focus styles."""

from __future__ import annotations

import re
from functools import lru_cache

from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE_PATH, CONTEXT_OPTIONS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 44  # CSS px, the project's target size (stricter than WCAG 2.5.8's 24)


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE_PATH.is_file():
        raise AssertionError(
            f"{AXE_PATH} is missing: run `npm ci` in the project root (it installs axe-core)"
        )
    return AXE_PATH.read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Load axe-core into the page without loosening the app's CSP.

    script-src 'self' refuses page.add_script_tag (an inline script); page.evaluate runs
    through the DevTools protocol, which the page's CSP does not govern.
    """
    if page.evaluate("typeof window.axe === 'object'"):
        return
    page.evaluate(_axe_source() + "\n;void 0")
    assert page.evaluate("typeof window.axe === 'object'"), "axe-core did not load"


def axe_violations(page: Page) -> list[dict]:
    if not CONTEXT_OPTIONS.get(page.context, {}).get("java_script_enabled", True):
        return _axe_violations_without_javascript(page)
    inject_axe(page)
    return page.evaluate(
        """async ([tags, timeout]) => {
            // A stuck run fails the test instead of hanging it: evaluate has no timeout.
            const giveUp = new Promise((_, reject) =>
                setTimeout(() => reject(new Error(`axe.run took over ${timeout} ms`)), timeout));
            const result = await Promise.race([
                axe.run(document, {runOnly: {type: 'tag', values: tags}}), giveUp]);
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(' '),
                    summary: (n.failureSummary || '').replace(/\\s+/g, ' ').trim(),
                })),
            }));
        }""",
        [WCAG_TAGS, 30_000],
    )


def _axe_violations_without_javascript(page: Page) -> list[dict]:
    """Scan what a page without JavaScript shows, in a look-alike page that can run axe.

    axe.run is asynchronous and a page with scripting off never runs its callbacks, so the
    page's own DOM is served again, same URL and styles, to a page whose scripts are refused.
    """
    options = dict(CONTEXT_OPTIONS[page.context])
    options["java_script_enabled"] = True
    options["service_workers"] = "block"
    url, html = page.url, page.content()
    context = page.context.browser.new_context(**options)
    try:
        mirror = context.new_page()

        def serve(route) -> None:
            request = route.request
            if request.resource_type == "document" and request.url == url:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        mirror.route("**/*", serve)
        mirror.goto(url)
        return axe_violations(mirror)
    finally:
        context.close()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['summary']}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found {len(violations)} WCAG violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


# Every path the service worker has cached, in every cache.
CACHED_URLS_JS = """async () => {
    const urls = [];
    for (const key of await caches.keys()) {
        const cache = await caches.open(key);
        for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
}"""


TOUCH_TARGETS_JS = """(minimum) => {
    const visible = (el) => {
        if (el.closest('[hidden], [inert]')) return false;
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') return false;
        const box = el.getBoundingClientRect();
        return box.width > 0 || box.height > 0;
    };
    // WCAG 2.5.8's inline exception: a link set in a sentence, its height bound by the line.
    const inSentence = (el) => {
        if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
        const parent = el.parentElement;
        if (!parent || !['P', 'LI'].includes(parent.tagName)) return false;
        // Words around it, not only a separator such as ' · '.
        return [...parent.childNodes].some(
            (node) => node.nodeType === Node.TEXT_NODE && /[\\p{L}\\p{N}]/u.test(node.textContent));
    };
    // A radio or checkbox is also set by a tap on its label (WCAG 2.5.5's equivalent
    // control): the larger of the two boxes counts.
    const target = (el) => {
        let box = el.getBoundingClientRect();
        if (!['radio', 'checkbox'].includes(el.type)) return box;
        for (const label of el.labels || []) {
            const area = label.getBoundingClientRect();
            if (area.width >= box.width && area.height >= box.height) box = area;
        }
        return box;
    };
    const describe = (el) => {
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
        const id = el.id ? '#' + el.id : '';
        const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
        return `${el.tagName.toLowerCase()}${id}${cls} "${text.slice(0, 40)}"`;
    };
    const problems = [];
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
        if (el.type === 'hidden' || !visible(el) || inSentence(el)) continue;
        const box = target(el);
        if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
            problems.push(`${describe(el)}: ${box.width.toFixed(1)}×${box.height.toFixed(1)}`);
        }
    }
    return problems;
}"""


def assert_touch_targets(page: Page) -> None:
    problems = page.evaluate(TOUCH_TARGETS_JS, MIN_TARGET)
    assert not problems, (
        f"controls smaller than {MIN_TARGET}×{MIN_TARGET} CSS px on {page.url}:\n- "
        + "\n- ".join(problems)
    )


def assert_no_csp_violations(page: Page) -> None:
    refused = page.evaluate("window.__cspViolations || []")
    assert not refused, f"the CSP refused something on {page.url}:\n- " + "\n- ".join(refused)


def assert_no_script_errors(page: Page) -> None:
    errors = page.evaluate("window.__pageErrors || []")
    assert not errors, f"uncaught script errors on {page.url}:\n- " + "\n- ".join(errors)


def check_page(page: Page) -> None:
    """What every visited page gets: zero axe violations, 44 px targets, CSP kept, no errors."""
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    assert_touch_targets(page)
    assert_no_csp_violations(page)
    assert_no_script_errors(page)


def sign_in(page: Page, email: str, password: str, *, audit: bool = True) -> None:
    """Sign in from the sign-in page (checking it on the way) and land on the home page."""
    page.goto("/signin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    if audit:
        check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
