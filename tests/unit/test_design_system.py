"""The design system's promises, checked from its sources: colour pairs meet 4.5:1 in both
themes, the subset fonts hold every character Tend writes, and the icon sprite holds exactly
the icons the interface draws."""

from __future__ import annotations

import re
import sys

import pytest

from app.config import ROOT
from app.icons import ICONS, UnknownIcon, icon

sys.path.insert(0, str(ROOT))
from scripts.build_assets import UNICODES  # noqa: E402

TOKENS = (ROOT / "static" / "css" / "tokens.css").read_text(encoding="utf-8")

# (text, background): every pair a screen puts together.
PAIRS = [
    (fg, bg)
    for fg in ("text", "text-muted", "primary-text")
    for bg in ("bg", "surface", "surface-sage", "surface-warm", "primary-soft")
] + [
    ("on-primary", "primary"),
    ("on-primary", "primary-strong"),
    ("on-exit", "exit"),
    ("warm", "surface"),
    ("warm", "warm-soft"),
    ("warm", "surface-warm"),
    ("text", "warm-soft"),
    ("text", "unknown-soft"),
    ("ready", "ready-soft"),
    ("attention", "attention-soft"),
    ("urgent", "urgent-soft"),
    ("unknown", "unknown-soft"),
    ("urgent", "surface"),
    ("text", "urgent-soft"),
    ("text", "ready-soft"),
]
# Edges of controls and the focus ring against what they sit on (WCAG 1.4.11).
NON_TEXT = [
    ("control-edge", "surface"),
    ("control-edge", "bg"),
    ("focus", "bg"),
    ("focus", "surface"),
    ("primary", "surface"),
]


def _theme(block: str) -> dict[str, str]:
    return dict(re.findall(r"--color-([\w-]+):\s*(#[0-9a-fA-F]{6})", block))


def themes() -> dict[str, dict[str, str]]:
    light_block, _, rest = TOKENS.partition("@media (prefers-color-scheme: dark)")
    dark_block = rest.split("\n}\n", 1)[0]
    light = _theme(light_block)
    return {"light": light, "dark": {**light, **_theme(dark_block)}}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_pair_meets_four_and_a_half_to_one(theme):
    colours = themes()[theme]
    low = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f}"
        for fg, bg in PAIRS
        if contrast(colours[fg], colours[bg]) < 4.5
    ]
    assert not low, low


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_control_edges_and_focus_meet_three_to_one(theme):
    colours = themes()[theme]
    low = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f}"
        for fg, bg in NON_TEXT
        if contrast(colours[fg], colours[bg]) < 3
    ]
    assert not low, low


def test_the_dark_theme_redefines_every_colour():
    light_block = TOKENS.partition("@media (prefers-color-scheme: dark)")[0]
    dark_block = TOKENS.partition("@media (prefers-color-scheme: dark)")[2].split("\n}\n", 1)[0]
    assert set(_theme(light_block)) == set(_theme(dark_block))


def _characters_written() -> set[str]:
    """Every character of the French and English catalogs and the content bundles."""
    texts = [(ROOT / "translations" / "messages.pot").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in ROOT.glob("translations/*/LC_MESSAGES/*.po")]
    bundles = ROOT / "app" / "content" / "bundles"
    texts += [p.read_text(encoding="utf-8") for p in bundles.rglob("*") if p.is_file()]
    return set("".join(texts)) - set("\n\r\t")


def test_the_subset_fonts_hold_every_character_tend_writes():
    covered = {chr(code) for code in UNICODES}
    missing = sorted(_characters_written() - covered)
    assert not missing, [f"U+{ord(c):04X} {c!r}" for c in missing]


def test_the_sprite_lists_exactly_the_icons_in_use():
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py")]
    text = "\n".join(sources)
    used = set(re.findall(r"""icon\(\s*["']([a-z0-9-]+)["']""", text))
    # The navigation names its icons in a table rather than calling icon() itself.
    navigation = (ROOT / "app" / "navigation.py").read_text(encoding="utf-8")
    used |= set(re.findall(r'_l\("[^"]+"\), "([a-z0-9-]+)"', navigation))
    assert used - set(ICONS) == set(), "used but not in the sprite"
    assert set(ICONS) - used == set(), "in the sprite but never drawn"


def test_an_unknown_icon_is_an_error_not_an_empty_box(app):
    with app.test_request_context():
        assert 'href="/static/vendor/icons.svg' in icon("leaf")
        assert 'aria-hidden="true"' in icon("leaf")
        with pytest.raises(UnknownIcon):
            icon("no-such-icon")
