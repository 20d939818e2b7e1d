"""Input nobody types by accident but anyone can send, answered plainly instead of with a 500.

- An id past 64 bits can name no row: every `int` in a route, and every `id`/`*_id` field of a
  form or query, answers 404 before the database sees it (SQLite cannot bind such a number and
  PostgreSQL refuses it, which the app would otherwise answer with a 500 or a 503).
- A NUL byte is no character a person writes, and PostgreSQL cannot store one in text: any
  field, the path, the query or a JSON body holding one answers 400 with a kind message.
"""

from __future__ import annotations

import logging

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

LARGEST_ID = 2**63 - 1  # a signed 64-bit integer: the widest id column on either database
NUL_MESSAGE = _l(
    "Something you sent held an invisible character Tend cannot keep, so nothing was saved. "
    "Please go back, type or paste the text again, and try once more."
)


class IdConverter(IntegerConverter):
    """The `int` converter, bounded to the ids a database can hold: a longer number is no match,
    so the route answers 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def _is_id_field(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _too_big(value: str) -> bool:
    return value.isdigit() and len(value) > 18 and int(value) > LARGEST_ID


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for fields in (request.args, request.form):
        for name, values in fields.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return True
    if request.mimetype and request.mimetype not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        body = request.get_data(cache=True)
        # A JSON body spells NUL as an escape; the raw byte can come in any other body.
        return b"\x00" in body or b"\\u0000" in body.lower()
    return False


def _refuse_hostile_input():
    from app.errors import render_error

    if _has_nul():
        return render_error(400, NUL_MESSAGE)
    for fields in (request.args, request.form):
        for name, values in fields.lists():
            if _is_id_field(name) and any(_too_big(value) for value in values):
                raise NotFound()
    return None


def init_routing(app: Flask) -> None:
    """Before any blueprint adds its rules: they are built with the converter in place then."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    # First of all before_request functions: nothing else reads the request before this.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_hostile_input)

    from app.errors import render_error

    @app.errorhandler(OverflowError)
    def number_too_big(_error):
        # SQLite cannot bind an integer past 64 bits: no row has such an id.
        return render_error(NotFound.code)

    @app.errorhandler(DataError)
    def value_refused(error):
        name = type(getattr(error, "orig", None)).__name__
        if name == "NumericValueOutOfRange":
            return render_error(NotFound.code)
        if "NUL" in str(getattr(error, "orig", "")):
            return render_error(400, NUL_MESSAGE)
        log.error("value refused by the database: %s", name)
        return render_error(500)
