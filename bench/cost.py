"""What each journal page costs in CPU, with the pages taking turns inside one process.

wrk's p95 on a shared machine follows the machine's speed, which drifts from minute to minute:
a page measured while the host ran slow looks slow. Here the four pages take turns in short
batches in one Python process (Flask's test client, no HTTP server, no other load), so a
drift reaches all of them alike and each round's ratio to the home page holds still. Not the
issue's targets, which are p95 under load, but what explains them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.client import USER_AGENT, hidden_field
from bench.environment import Scratch, scoped_environ
from bench.weight import ACCEPT_ENCODING

ROUNDS = 12
BATCH = 10  # requests per page per turn
# Its own draft: the wrk save runs count theirs by AUTOSAVE_UUID_PREFIX.
DRAFT_UUID = "0c05e7a1-2b3c-4d5e-8f90-a1b2c3d4e5f6"
HEADERS = {"Accept": "text/html", "Accept-Encoding": ACCEPT_ENCODING}


class CostFailed(RuntimeError):
    """A page did not answer 200 while its cost was measured."""


def _signed_in(app, email: str, password: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = hidden_field(client.get("/signin").text, "csrf_token")
    form = {"csrf_token": token, "email": email, "password": password}
    answer = client.post("/signin", data=form)
    if answer.status_code != 303:
        raise CostFailed(f"Signing in as {email} answered {answer.status_code}, expected 303.")
    return client


def _pages(app, scratch: Scratch, participant: str, facilitator: str, room_path: str, form_of):
    """Each page as one call that answers it once, keyed as the wrk runs are."""
    person = _signed_in(app, participant, scratch.password)
    token = person.get("/outbox/session").get_json()["csrf_token"]
    form, text = form_of(token)
    draft = {"saves": 0, "version": None}

    def save():
        draft["saves"] += 1
        body = f"{form}&client_uuid={DRAFT_UUID}&body={text}+{draft['saves']}"
        if draft["version"] is not None:
            body += f"&version={draft['version']}"
        answer = person.post(
            "/journal/autosave",
            data=body,
            headers={
                "X-CSRFToken": token,
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if answer.status_code == 200:
            draft["version"] = answer.get_json()["version"]
        return answer

    team = _signed_in(app, facilitator, scratch.password)
    return {
        "home": lambda: person.get("/", headers=HEADERS),
        "list": lambda: person.get("/journal/", headers=HEADERS),
        "save": save,
        "reading_room": lambda: team.get(room_path, headers=HEADERS),
    }


def _cpu_ms(page: Callable, key: str, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        status = page().status_code
        if status != 200:
            raise CostFailed(f"{key} answered {status} while its cost was measured.")
    return 1000 * (time.process_time() - started) / count


def measure(
    scratch: Scratch,
    *,
    participant: str,
    facilitator: str,
    room_path: str,
    form_of,
    rounds: int = ROUNDS,
    batch: int = BATCH,
) -> dict:
    """CPU milliseconds per response of each page, round by round, and each round's ratio to
    the home page (the same round's, measured a moment earlier)."""
    with scoped_environ(scratch.env):
        from app import create_app

        app = create_app()
        pages = _pages(app, scratch, participant, facilitator, room_path, form_of)
        for key, page in pages.items():
            _cpu_ms(page, key, 2 * batch)  # templates compiled, caches and connections warm
        each_round: dict[str, list[float]] = {key: [] for key in pages}
        for _ in range(rounds):
            for key, page in pages.items():
                each_round[key].append(_cpu_ms(page, key, batch))
    homes = each_round["home"]
    result = {"rounds": rounds, "batch": batch, "pages": {}}
    for key, values in each_round.items():
        ratios = [value / home for value, home in zip(values, homes, strict=True)]
        result["pages"][key] = {
            "ms_per_response": round(statistics.median(values), 2),
            "ms_each_round": [round(value, 2) for value in values],
            "ratio_to_home": round(statistics.median(ratios), 2),
            "ratio_range": [round(min(ratios), 2), round(max(ratios), 2)],
        }
    return result
