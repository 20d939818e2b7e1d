"""Tend's one icon set: Lucide outline icons, as one SVG sprite of only the icons listed here.

scripts/build_assets.py builds the sprite (static/vendor/icons.svg) from the lucide-static
package that package-lock.json pins; templates draw one with ``icon(<name>)``. An icon
always sits beside its words: it is hidden from assistive technology and never the only label.
"""

from __future__ import annotations

from flask import Flask, url_for
from markupsafe import Markup

# Every icon the interface draws; a name not listed here is an error, so the sprite holds
# exactly what is used (a test checks both directions against the templates and code).
ICONS = (
    "arrow-left",
    "chevron-right",
    "clipboard-list",
    "clock",
    "footprints",
    "hand-heart",
    "house",
    "leaf",
    "life-buoy",
    "log-out",
    "notebook-pen",
    "pause",
    "play",
    "plus",
    "sprout",
    "square",
    "user-round",
    "users",
    "wind",
)

# Icons that point along the line of reading turn round in a right-to-left language.
DIRECTIONAL = {"arrow-left", "chevron-right", "log-out", "play"}


class UnknownIcon(LookupError):
    pass


def icon(name: str, extra_class: str = "") -> Markup:
    """An inline <svg> that uses one symbol of the sprite; decorative, the words carry meaning."""
    if name not in ICONS:
        raise UnknownIcon(f"{name!r} is not in app.icons.ICONS (add it, then run make assets)")
    classes = "icon"
    if name in DIRECTIONAL:
        classes += " icon--directional"
    if extra_class:
        classes += f" {extra_class}"
    href = url_for("static", filename="vendor/icons.svg") + f"#{name}"
    # Markup.format escapes both values.
    return Markup(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>'
    ).format(classes, href)


def init_app(app: Flask) -> None:
    app.add_template_global(icon)
