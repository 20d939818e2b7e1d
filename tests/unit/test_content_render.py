"""Markdown is rendered, then sanitised with a small allow-list; the check flags what would
change."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from app.content.render import render_markdown, sanitiser_changes

ATTACKS = [
    "<script>alert(1)</script>",
    "Hello <script>alert(1)</script> there",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    "[click](javascript:alert(1))",
    '<iframe src="https://example.org"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<scr<script>ipt>alert(1)</script>",
]


def test_rendering_gives_markup_with_the_allowed_elements():
    html = render_markdown("## Title\n\nSome *soft* and **strong** words.\n\n- one\n- two\n")
    assert isinstance(html, Markup)
    for tag in ("<h2>", "<em>", "<strong>", "<ul>", "<li>"):
        assert tag in html


def test_links_get_rel_noopener_noreferrer():
    html = render_markdown("See [the help line](https://example.org/help).")
    assert 'href="https://example.org/help"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_or_event_handler_survives_rendering(attack):
    html = render_markdown(attack).lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<iframe" not in html
    assert "<img" not in html
    assert "style=" not in html
    assert 'href="javascript' not in html


@pytest.mark.parametrize("attack", ATTACKS[:5] + ATTACKS[6:])
def test_content_check_flags_raw_html_the_sanitiser_would_alter(attack):
    assert sanitiser_changes(attack) is True


def test_a_level_one_heading_is_outside_the_allow_list():
    assert sanitiser_changes("# Too big") is True
    assert "<h1" not in render_markdown("# Too big")


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, with an ampersand & “quotes” and 'apostrophes' and \"double quotes\".",
        "## A heading\n\n### A smaller one\n\n> A quote\n\n1. first\n2. second",
        "A [link](https://example.org) and <https://example.org/auto>, and a line  \nbreak.",
        "Less than < and greater than > signs, 3 < 4.",
    ],
)
def test_plain_markdown_within_the_allow_list_is_not_flagged(text):
    assert sanitiser_changes(text) is False


def test_every_shipped_body_renders_without_script(app):
    from app.content import library

    with app.app_context():
        bundles = library().bundles.values()
    bodies = [item.body for bundle in bundles for item in bundle.items.values()]
    assert bodies
    assert not [body for body in bodies if "<script" in body.lower()]
