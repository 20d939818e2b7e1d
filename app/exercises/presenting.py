"""What the exercise templates and the player script need, in the reader's language."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _


def seconds_text(seconds: float) -> str:
    count = int(seconds) if float(seconds).is_integer() else 2
    return ngettext(
        "%(seconds)s second", "%(seconds)s seconds", count, seconds=format_decimal(seconds)
    )


def player_data(resolved, definition, text, timelines) -> dict:
    """Everything the player schedules and says, as JSON: no strings live in the script."""
    if definition.kind == "breathing":
        parts = [
            {"text": text.labels[phase.label], "motion": phase.motion, "seconds": phase.seconds}
            for phase in definition.pattern
        ]
    else:
        parts = [{"text": step, "motion": "still"} for step in text.steps]
    return {
        "id": resolved.item.id,
        "kind": definition.kind,
        "parts": parts,
        "timelines": {
            str(minutes): [[s.index, s.start, s.end] for s in segments]
            for minutes, segments in timelines.items()
        },
        "urls": {
            "save": url_for("exercises.save_from_player"),
            "session": url_for("pwa.outbox_session"),
            "history": url_for("exercises.history"),
        },
        "strings": {
            "remaining": _("%(time)s left"),
            "paused": _("Paused"),
            "finished": _("Finished"),
            "saving": _("Saving…"),
            "saved": _("Saved to your history."),
            "queued": _("Saved on this phone. It will be sent when you are back online."),
            "not_signed_in": _("Sign in to keep a history of how you felt."),
            "shared_device": _(
                "This is marked as a shared device, so nothing is kept on it. "
                "Connect to the internet to save."
            ),
            "failed": _(
                "We could not save this just now. Nothing you did is lost: you can try again."
            ),
            "not_rated": _("not rated"),
        },
    }


def exercise_title(exercise_id: str) -> str:
    from flask_login import current_user

    from app import content, db
    from app.exercises.services import bundle_for

    resolved = content.get_content(
        "exercise", exercise_id, str(get_locale()), bundle_for(db.session(), current_user)
    )
    return resolved.item.data.text[resolved.item.locale].title if resolved else exercise_id


def init_app(app: Flask) -> None:
    app.add_template_global(seconds_text)
    app.add_template_global(exercise_title)
    app.add_template_filter(lambda value: format_decimal(value), "format_number")
    app.add_template_global(player_data)
