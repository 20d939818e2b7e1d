"""What every browser journey checks on each page: axe-core, touch targets, focus styles."""

from __future__ import annotations

import re
from functools import lru_cache

from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE_PATH

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
    inject_axe(page)
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
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
        WCAG_TAGS,
    )


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
    const describe = (el) => {
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
        const id = el.id ? '#' + el.id : '';
        const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
        return `${el.tagName.toLowerCase()}${id}${cls} "${text.slice(0, 40)}"`;
    };
    const problems = [];
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea')) {
        if (el.type === 'hidden' || !visible(el) || inSentence(el)) continue;
        const box = el.getBoundingClientRect();
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


def check_page(page: Page) -> None:
    """The checks every visited page gets: zero axe violations, 44 px targets, CSP respected."""
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    assert_touch_targets(page)
    assert_no_csp_violations(page)


def sign_in(page: Page, email: str, password: str, *, audit: bool = True) -> None:
    """Sign in from the sign-in page, checking the sign-in page on the way."""
    page.goto("/signin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    if audit:
        check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
