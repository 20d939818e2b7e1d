"""Markdown to HTML, then sanitised with a small allow-list (nh3)."""

from __future__ import annotations

from html import unescape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}

# Raw HTML is parsed (not escaped) so that the sanitiser sees it and `content check` can
# report it; what reaches a page is only ever the sanitised result.
_markdown = MarkdownIt("commonmark", {"html": True, "typographer": False})


def _sanitise(html: str, link_rel: str | None) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    html = _markdown.render(text)
    return Markup(_sanitise(html, link_rel="noopener noreferrer"))  # noqa: S704  (sanitised)


def sanitiser_changes(text: str) -> bool:
    """True when the sanitiser would remove or alter something the author wrote."""
    html = _markdown.render(text)
    return _normalise(_sanitise(html, link_rel=None)) != _normalise(html)


def _normalise(html: str) -> str:
    # Only markup differences count; the sanitiser's own escaping of quotes does not.
    return unescape(html.replace("<br />", "<br>").replace("\n", "")).strip()
