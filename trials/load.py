"""Devices saving new entries as fast as they are answered, retrying like the outbox."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

from trials.database import Database
from trials.device import Device
from trials.tally import Row

RETRY_PAUSE = 0.2


@dataclass
class Saves:
    """What the devices sent and were told, to compare with the database afterwards."""

    words: dict[str, tuple[str, str]] = field(default_factory=dict)  # uuid: (email, body)
    acknowledged: set[str] = field(default_factory=set)
    requests: int = 0
    server_errors: int = 0
    status_500: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, answer) -> None:
        with self.lock:
            self.requests += 1
            self.server_errors += answer.status >= 500
            self.status_500 += answer.status == 500


def save_until_acknowledged(device: Device, saves: Saves, body: str, deadline: float) -> None:
    """One Save; unanswered or refused by a server in trouble, it is sent again with the same
    client UUID (as the outbox replays it) until acknowledged or the trial's time is up."""
    client_uuid = str(uuid.uuid4())
    with saves.lock:
        saves.words[client_uuid] = (device.email, body)
    while time.monotonic() < deadline:
        answer = device.save(body, client_uuid)
        saves.answered(answer)
        if answer.acknowledged:
            with saves.lock:
                saves.acknowledged.add(client_uuid)
            return
        if answer.status in (400, 401, 302, 303):
            # A session lost with the database (or a token from before a restart).
            _sign_in_again(device, deadline)
        time.sleep(RETRY_PAUSE)


def _sign_in_again(device: Device, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if device.signed_in():
                device.refresh_token()
                return
            device.sign_in()
            return
        except Exception:  # noqa: BLE001  (the server is away: try again shortly)
            time.sleep(RETRY_PAUSE)


def keep_saving(
    devices: list[Device], saves: Saves, *, each: int | None, until: float, stop: threading.Event
) -> list[threading.Thread]:
    """A thread per device, saving `each` entries (or until `stop`)."""

    trial = uuid.uuid4().hex[:6]

    def run(device: Device, number: int):
        count = 0
        while not stop.is_set() and time.monotonic() < until and (each is None or count < each):
            words = f"{device.email} entry {trial}.{number}.{count}"
            save_until_acknowledged(device, saves, words, until)
            count += 1

    threads = [
        threading.Thread(target=run, args=(device, number), daemon=True)
        for number, device in enumerate(devices)
    ]
    for thread in threads:
        thread.start()
    return threads


def judge(row: Row, saves: Saves, database: Database) -> Row:
    """Every acknowledged Save must be one finished entry with exactly its words."""
    stored: dict[str, list] = {}
    for email in {email for email, _body in saves.words.values()}:
        for entry in database.entries(email):
            stored.setdefault(entry.client_uuid, []).append(entry)
    row.attempts = len(saves.words)
    row.acknowledged = len(saves.acknowledged)
    row.server_errors = saves.server_errors
    row.status_500 = saves.status_500
    # Words are unique to their save: the same words in two entries are a save stored twice.
    ours = {body for _email, body in saves.words.values()}
    bodies: dict[str, int] = {}
    for entries in stored.values():
        for entry in entries:
            if entry.body in ours:
                bodies[entry.body] = bodies.get(entry.body, 0) + 1
    row.duplicated = sum(count - 1 for count in bodies.values())
    for client_uuid in saves.acknowledged:
        _email, body = saves.words[client_uuid]
        entries = stored.get(client_uuid, [])
        row.judged(found=any(e.body == body and not e.draft for e in entries))
    row.notes.append(f"{saves.requests} requests")
    return row
