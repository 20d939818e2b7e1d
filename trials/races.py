"""The six same-entry races of the journal, each repeated, over HTTP against gunicorn.

Two requests meant to race leave together from two threads behind a barrier, as two devices
(or a page and its outbox) would send them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from trials.database import Database
from trials.device import Answer, Device
from trials.tally import Row

# Each race its own participant, so one race's entries never meet another's.
PEOPLE = {
    "pending": "participant@example.org",
    "autosave_and_save": "participant2@example.org",
    "keep_mine": "participant3@example.org",
    "session_expiry": "participant4@example.org",
    "offline_save": "participant5@example.org",
    "sharing": "participant6@example.org",
}


def together(*calls: Callable[[], Answer]) -> list[Answer]:
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _words(label: str, rep: int) -> str:
    return f"{label} {rep} {uuid.uuid4().hex[:8]}"


def _entry(database: Database, email: str, entry_id: int):
    return next(e for e in database.entries(email) if e.entry_id == entry_id)


def two_devices_autosaving_changes(url: str, database: Database, reps: int) -> Row:
    row = Row("two devices autosave changes to a saved entry", database.kind)
    email = PEOPLE["pending"]
    phone, laptop = (Device(url, email, database.password).sign_in() for _ in range(2))
    for rep in range(reps):
        first = phone.save(_words("saved", rep))
        row.sent(first)
        entry_id, client_uuid = first.entry_id, _entry(database, email, first.entry_id).client_uuid
        texts = (_words("phone's changes", rep), _words("laptop's changes", rep))
        answers = together(
            *(
                partial(device.autosave, text, client_uuid, version=1, entry_id=entry_id)
                for device, text in zip((phone, laptop), texts, strict=True)
            )
        )
        stored = _entry(database, email, entry_id)
        row.judged(found=stored.body.startswith("saved"))
        both = all(answer.acknowledged for answer in answers)
        for answer, text in zip(answers, texts, strict=True):
            row.sent(answer)
            if answer.acknowledged:
                row.judged(found=text in (stored.body, stored.pending_body), overwritten=both)
    return row


def autosave_and_save_on_a_new_entry(url: str, database: Database, reps: int) -> Row:
    row = Row("autosave and Save together, new entry", database.kind)
    email = PEOPLE["autosave_and_save"]
    phone = Device(url, email, database.password).sign_in()
    for rep in range(reps):
        client_uuid = str(uuid.uuid4())
        typed = _words("the whole entry", rep)
        autosaved = typed[: len(typed) // 2]
        autosave, save = together(
            partial(phone.autosave, autosaved, client_uuid),
            partial(phone.save, typed, client_uuid),
        )
        stored = [e for e in database.entries(email) if e.client_uuid == client_uuid]
        row.duplicated += max(len(stored) - 1, 0)
        for answer in (autosave, save):
            row.sent(answer)
        if save.acknowledged:
            row.judged(found=any(e.body == typed and not e.draft for e in stored))
        if autosave.acknowledged:
            # Its words were a beginning of what Save then kept.
            row.judged(found=any(e.body.startswith(autosaved) for e in stored))
    return row


def keep_this_devices_text_after_another_save(url: str, database: Database, reps: int) -> Row:
    row = Row("keep this device's text vs a newer save", database.kind)
    email = PEOPLE["keep_mine"]
    phone, laptop = (Device(url, email, database.password).sign_in() for _ in range(2))
    for rep in range(reps):
        first = phone.save(_words("first", rep))
        entry_id = first.entry_id
        client_uuid = _entry(database, email, entry_id).client_uuid
        laptop_first = laptop.save(_words("laptop", rep), client_uuid, entry_id=entry_id, version=1)
        mine = _words("phone's text", rep)
        conflict = phone.save(mine, client_uuid, entry_id=entry_id, version=1)
        if not (first.acknowledged and laptop_first.acknowledged):
            row.notes.append(
                f"rep {rep}: setting up answered {first.status}, {laptop_first.status}"
            )
            continue
        # The phone's stale save is the first write of the race: the conflict view.
        row.sent(conflict)
        if conflict.acknowledged:
            stored = _entry(database, email, entry_id)
            row.judged(found=stored.body == mine)
        if not conflict.conflict:
            row.notes.append(f"rep {rep}: the phone's stale save answered {conflict.status}")
            continue
        newer = _words("laptop, newer", rep)
        resolved, laptop_again = together(
            partial(phone.resolve_mine, entry_id, mine, client_uuid, conflict.html),
            partial(laptop.save, newer, client_uuid, entry_id=entry_id, version=2),
        )
        stored = _entry(database, email, entry_id)
        both = resolved.acknowledged and laptop_again.acknowledged
        for answer, text in ((resolved, mine), (laptop_again, newer)):
            row.sent(answer)
            if answer.acknowledged:
                row.judged(found=stored.body == text, overwritten=both)
    return row


def session_expiry_while_typing(url: str, database: Database, reps: int) -> Row:
    row = Row("session ends while typing, Save after", database.kind)
    email = PEOPLE["session_expiry"]
    phone = Device(url, email, database.password).sign_in()
    for rep in range(reps):
        client_uuid = str(uuid.uuid4())
        typed = _words("typed while the session ran out", rep)
        draft = phone.autosave(typed[:12], client_uuid)
        row.sent(draft)
        database.expire_sessions(email)
        refused = phone.save(typed, client_uuid, version=draft.version)
        # The outbox tries the same words as a Save before it learns the session ended.
        queued = {
            "client_uuid": client_uuid,
            "body": typed,
            "week": phone.week,
            "sharing": "private",
            "version": str(draft.version),
            "entry_id": str(draft.entry_id),
            "intent": "save",
        }
        tried = phone.outbox_replay("/journal/autosave", queued)
        ended = [e for e in database.entries(email) if e.client_uuid == client_uuid]
        for answer in (refused, tried):
            row.sent(answer)
            if answer.acknowledged:
                # Told "saved" (the outbox then drops its record): it had better be.
                row.judged(found=any(e.body == typed and not e.draft for e in ended))
        if tried.acknowledged:
            row.notes.append(f"rep {rep}: the outbox was answered {tried.status} while signed out")
            continue
        # The words wait on the device; the same person signs in and the outbox replays the
        # Save as a Save, with the version the page had.
        phone.sign_in()
        replayed = phone.autosave(
            typed, client_uuid, version=draft.version, entry_id=draft.entry_id, intent_save=True
        )
        row.sent(replayed)
        stored = [e for e in database.entries(email) if e.client_uuid == client_uuid]
        if draft.acknowledged:
            row.judged(found=any(e.body.startswith(typed[:12]) for e in stored))
        if replayed.acknowledged:
            row.judged(found=any(e.body == typed and not e.draft for e in stored))
    return row


def offline_save_replayed(url: str, database: Database, reps: int) -> Row:
    row = Row("Save made offline, replayed", database.kind)
    email = PEOPLE["offline_save"]
    phone = Device(url, email, database.password).sign_in()
    for rep in range(reps):
        client_uuid = str(uuid.uuid4())
        typed = _words("finished offline, for the group", rep)
        draft = phone.autosave(typed[:10], client_uuid)
        # Offline: an autosave whose answer never came back arrives as the outbox replays
        # the Save (sharing chosen: the small group) on reconnecting.
        late, replayed = together(
            partial(
                phone.autosave,
                typed[:20],
                client_uuid,
                version=draft.version,
                entry_id=draft.entry_id,
            ),
            partial(
                phone.autosave,
                typed,
                client_uuid,
                version=draft.version,
                entry_id=draft.entry_id,
                intent_save=True,
                sharing="group",
            ),
        )
        if replayed.conflict:
            # The late autosave moved the draft on: the page shows the conflict view with
            # both texts, and the person keeps this device's, as chosen.
            shown = phone.save(
                typed, client_uuid, entry_id=draft.entry_id, version=draft.version, sharing="group"
            )
            row.sent(replayed)
            replayed = phone.resolve_mine(
                draft.entry_id, typed, client_uuid, shown.html, sharing="group"
            )
        stored = [e for e in database.entries(email) if e.client_uuid == client_uuid]
        for answer in (draft, late, replayed):
            row.sent(answer)
        for answer, words in ((draft, typed[:10]), (late, typed[:20])):
            if answer.acknowledged:
                row.judged(found=any(e.body.startswith(words) for e in stored))
        if replayed.acknowledged:
            row.judged(
                found=any(e.body == typed and not e.draft and e.sharing == "group" for e in stored)
            )
    return row


def sharing_change_racing_a_save(url: str, database: Database, reps: int) -> Row:
    row = Row("sharing change racing a save", database.kind)
    email = PEOPLE["sharing"]
    phone, laptop = (Device(url, email, database.password).sign_in() for _ in range(2))
    for rep in range(reps):
        first = phone.save(_words("private words", rep))
        entry_id = first.entry_id
        client_uuid = _entry(database, email, entry_id).client_uuid
        edited = _words("edited on the laptop", rep)
        shared, saved = together(
            partial(phone.change_sharing, entry_id, "group", 1),
            partial(laptop.save, edited, client_uuid, entry_id=entry_id, version=1),
        )
        stored = _entry(database, email, entry_id)
        both = shared.acknowledged and saved.acknowledged
        row.sent(shared)
        row.sent(saved)
        if shared.acknowledged:
            row.judged(found=stored.sharing == "group", overwritten=both)
        if saved.acknowledged:
            row.judged(found=stored.body == edited, overwritten=both)
    return row


RACES = (
    two_devices_autosaving_changes,
    autosave_and_save_on_a_new_entry,
    keep_this_devices_text_after_another_save,
    session_expiry_while_typing,
    offline_save_replayed,
    sharing_change_racing_a_save,
)
