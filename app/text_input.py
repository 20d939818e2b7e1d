"""Text as people send it, without the control characters nobody means to type.

Terminal escapes, backspaces, bell and the C1 set can rewrite what a staff member's screen,
a log line or an export shows. Every form and query value loses them on the way in (the
request class below), line breaks and tabs kept for long text. NUL stays, so that
app/hostile_input.py can answer it with its own message. A name is one line: `one_line` also
folds breaks and drops the bidirectional embedding and override characters that could make a
name reorder the words around it (the templates isolate names with <bdi> as well).
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

# Cc, less NUL (refused elsewhere), tab, line feed and carriage return.
_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\r\n]+")
_SPACES = re.compile(r" {2,}")


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def one_line(text):
    """For names: one line, no bidirectional overrides, no stray spaces. A form filter."""
    if not isinstance(text, str):
        return text
    folded = _BREAKS.sub(" ", _BIDI_CONTROLS.sub("", strip_controls(text)))
    return _SPACES.sub(" ", folded).strip()


def _cleaned(values: MultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(strip_controls(key), strip_controls(value)) for key, value in values.items(multi=True)]
    )


class CleanTextMixin:
    """For the app's request class: form and query values come without control characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _cleaned(self.__dict__["form"])


def init_app(app: Flask) -> None:
    """After the extensions that bring a request class of their own (htmx's)."""
    app.request_class = type("CleanTextRequest", (CleanTextMixin, app.request_class), {})
