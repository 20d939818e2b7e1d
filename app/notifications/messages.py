"""A message's words, in its recipient's language, from the templates of its kind.

`templates/notifications/<kind>.txt` holds the blocks `subject`, `body` (the plain-text part)
and, for kinds that also go by push, `push_title` and `push_body`;
`templates/notifications/<kind>.html` is the HTML part. No template is given a person's name,
an answer, a score or an instrument: only what the kind's `prepare` step returns (a cohort
name, a count, a link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    push_title: str
    push_body: str
    link: str
    locale: str


def _line(text: str) -> str:
    # Only ASCII spaces and line breaks fold: str.split() would also eat the narrow no-break
    # space French puts before a colon.
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _block(template_name: str, block: str, context: dict) -> str:
    template = current_app.jinja_env.get_template(template_name)
    render = template.blocks.get(block)
    if render is None:
        return ""
    return "".join(render(template.new_context(context))).strip()


def render(kind: str, context: dict, locale: str) -> Message:
    """Render every part of a message of `kind` in `locale`."""
    text_name = f"notifications/{kind}.txt"
    with force_locale(locale):
        full = {**context, "lang_tag": locale.replace("_", "-")}
        # Not render_template: the app's context processors (the signed-in person, the
        # page's navigation) belong to requests, and a message gets only its own context.
        subject = _line(_block(text_name, "subject", full))
        return Message(
            subject=subject,
            text=_block(text_name, "body", full) + "\n",
            html=current_app.jinja_env.get_template(f"notifications/{kind}.html").render(full),
            push_title=_line(_block(text_name, "push_title", full)) or subject,
            push_body=_line(_block(text_name, "push_body", full)),
            link=context.get("link", ""),
            locale=locale,
        )
