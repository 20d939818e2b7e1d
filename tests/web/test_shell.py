"""The layout around every page: one compact header, the participant's bottom bar with Settle,
staff screens without participant tools, and the design system's files in order."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in

STYLESHEETS = re.compile(r'<link rel="stylesheet" href="/static/([^"?]+)\?v=')


def nav_paths(page: str) -> list[str]:
    nav = page.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_a_participant_has_help_exit_and_settle_one_tap_away(client, world):
    sign_in(client, world.participant)
    page = client.get("/").get_data(as_text=True)
    header = page.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]
    assert 'class="help-link" href="/help"' in header
    assert "data-quick-exit" in header
    assert ">Exit<" in header and ">Help<" in header
    # Settle sits in the middle of the bottom bar, drawn as the bar's one filled action.
    paths = nav_paths(page)
    assert paths.index("/settle/") in (len(paths) // 2 - 1, len(paths) // 2), paths
    assert 'class="mainnav__item--settle"' in page


@pytest.mark.parametrize("role", ["facilitator", "medical", "admin"])
def test_staff_screens_carry_no_participant_tools(client, world, role):
    sign_in(client, getattr(world, role))
    page = client.get("/").get_data(as_text=True)
    assert "data-quick-exit" not in page
    assert "/settle/" not in nav_paths(page)
    assert "/help" in nav_paths(page)  # their help is in their navigation
    assert '<body hx-boost="true" class="staff"' in page


def test_a_public_page_has_the_same_header_for_everyone(client, world):
    """The service worker may keep a settle page for anyone who opens it on this phone."""
    anonymous = client.get("/settle/").get_data(as_text=True)
    sign_in(client, world.facilitator)
    staff = client.get("/settle/").get_data(as_text=True)
    for page in (anonymous, staff):
        assert "data-quick-exit" in page and 'class="help-link"' in page
        assert 'class="staff"' not in page


def test_the_stylesheets_load_in_the_design_systems_order(client):
    page = client.get("/signin").get_data(as_text=True)
    assert STYLESHEETS.findall(page) == [
        "vendor/fonts.css",
        "css/tokens.css",
        "css/base.css",
        "css/components.css",
        "css/app.css",
    ]
    # The interface font is asked for at once, at the very URL fonts.css names.
    preload = re.search(r'<link rel="preload" href="(/static/vendor/fonts/[^"]+)"', page).group(1)
    with client.get("/static/vendor/fonts.css") as response:
        fonts_css = response.get_data(as_text=True)
    assert preload.removeprefix("/static/vendor/") in fonts_css
    assert "font-display: swap" in fonts_css


def test_icons_come_from_the_sprite_and_are_hidden_from_screen_readers(client):
    page = client.get("/signin").get_data(as_text=True)
    icons = re.findall(r"<svg[^>]*>.*?</svg>", page)
    assert icons, "no icon on the sign-in page"
    for svg in icons:
        assert 'aria-hidden="true"' in svg
        assert '<use href="/static/vendor/icons.svg?v=' in svg
    with client.get("/static/vendor/icons.svg") as sprite:
        assert sprite.status_code == 200
        assert '<symbol id="leaf"' in sprite.get_data(as_text=True)
