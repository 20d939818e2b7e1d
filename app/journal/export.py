"""Export a journal: Markdown files in a zip (with a JSON copy), or JSON alone."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Response

from app.journal.services import feelings_of, intensity_of, sensations_of
from app.models import JournalEntry


def _as_dict(entry: JournalEntry) -> dict:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "week": entry.week,
        "title": entry.title,
        "body": entry.body,
        "prompt_id": entry.prompt_id,
        "feelings": feelings_of(entry),
        "sensations": sensations_of(entry),
        "intensity": intensity_of(entry),
        "sharing": entry.sharing,
    }


def _markdown(entry: JournalEntry) -> str:
    lines = [f"# {entry.title or entry.created_at.date().isoformat()}", ""]
    lines.append(f"- written: {entry.created_at.isoformat()}")
    if entry.week:
        lines.append(f"- week: {entry.week}")
    if entry.feelings:
        lines.append(f"- feelings: {', '.join(feelings_of(entry))}")
    if entry.sensations:
        lines.append(f"- body: {', '.join(sensations_of(entry))}")
    if entry.intensity is not None:
        lines.append(f"- intensity: {intensity_of(entry)}/10")
    lines += ["", entry.body, ""]
    return "\n".join(lines)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_json(entries: list[JournalEntry]) -> Response:
    payload = json.dumps([_as_dict(e) for e in entries], ensure_ascii=False, indent=2)
    return _download(payload.encode("utf-8"), "application/json", "tend-journal.json")


def export_zip(entries: list[JournalEntry]) -> Response:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name = f"{entry.created_at.date().isoformat()}-{entry.id}.md"
            archive.writestr(name, _markdown(entry))
        archive.writestr(
            "journal.json", json.dumps([_as_dict(e) for e in entries], ensure_ascii=False, indent=2)
        )
    return _download(buffer.getvalue(), "application/zip", "tend-journal.zip")
