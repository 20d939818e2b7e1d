"""The journal part: a cohort with 40 participants × 200 entries, then wrk against the journal
list, the autosave and the facilitators' reading room, next to the home page in the same run.

The issue's targets: the journal list and the save within the home page's p95, and the reading
room for one small group and week under 100 ms p95, all at 10 connections.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

import requests

from app.journal.reading_room import PAGE_SIZE as READING_ROOM_PAGE
from bench import cost, load
from bench.client import (
    TIMEOUT,
    USER_AGENT,
    browser_headers,
    cookie_header,
    outbox_csrf_token,
    sign_in,
)
from bench.environment import Scratch, scoped_environ
from bench.server import Gunicorn

PARTICIPANTS = 40
ENTRIES_EACH = 200
WEEKS = (1, 2, 3)
# Of each participant's entries: 70 % private, 20 % with the small group, 10 % facilitators.
SHARING_MIX = (("private", 0.7), ("group", 0.2), ("facilitators", 0.1))
BODY_LENGTH = (580, 660)  # the most characters a body may have; about 600 on average
READING_GROUP = "Cedar"  # the demo's first small group
READING_WEEK = 3
CONNECTIONS = 10
READING_ROOM_TARGET_MS = 100
# Each page is measured this many times, interleaved, and judged on its median run.
ROUNDS = 3
FACILITATOR = "facilitator@example.org"
RANDOM_SEED = 20261127
# Each wrk thread's draft is this UUID ending in the thread's number (bench/wrk_autosave.lua).
AUTOSAVE_UUID_PREFIX = "5f0c7a52-9d3e-4b8e-a7a1-3c2e9b6d4f"
# The demo's feeling words (app.demo), so the reading room's summary has something to count.
FEELINGS = ("anxious", "relieved", "tired", "calm", "tender", "numb", "curious")

OPENINGS = (
    "This morning",
    "After the circle",
    "Before bed",
    "On the bus home",
    "Sitting in the kitchen",
    "Walking the dog",
    "At lunch",
    "Late tonight",
    "Waking up early",
    "During the body scan",
)
SENTENCES = (
    "I noticed my shoulders were up around my ears again and let them drop.",
    "The breathing practice felt awkward at first, then something softened.",
    "I kept thinking about what Casey said about going slowly with trust.",
    "My chest felt tight when the phone rang, and I named it instead of running.",
    "There was a moment of real quiet, maybe ten seconds, and I want more of those.",
    "I was tired and irritable, and I tried not to be hard on myself about it.",
    "Writing this down helps me see that the week was not all bad.",
    "I cried a little during the letter exercise, which surprised me.",
    "The group felt safer this time; I said one true thing out loud.",
    "Sleep was broken again, three times before four in the morning.",
    "I walked by the water and counted five things I could see.",
    "My sister called and I stayed present instead of drifting off.",
    "Anger came up fast at work, and I noticed the heat in my face.",
    "I am curious about what the next session will bring, and a bit afraid.",
    "The kind letter to myself still feels strange, but less than before.",
    "I ate slowly for once and actually tasted the soup.",
    "Numbness again in the afternoon; naming it made it a little lighter.",
    "I want to remember how the light looked on the kitchen table.",
    "Something about the music in the practice reminded me of my grandmother.",
    "I skipped the practice yesterday and did two short ones today instead.",
    "My hands were cold and shaking before the meeting, then they settled.",
    "I told my partner about the program and they listened without fixing.",
    "Grief showed up out of nowhere while I was folding laundry.",
    "The worry loop started at night, and I used the grounding steps.",
    "I felt proud that I came back to the breath eleven or twelve times.",
    "A headache most of the day; I rested instead of pushing through.",
    "It is hard to stay with the feeling when it is heavy, so I stayed a bit.",
    "I laughed properly with a friend, which I have not done in months.",
)
TITLES = (
    "Arriving",
    "A quiet moment",
    "Heavy day",
    "Small steps",
    "Noticing",
    "After the group",
    "Tired but here",
    "Letter to myself",
    "Grounding",
    "Sleep",
)


@dataclass(frozen=True)
class JournalSeed:
    participants: int
    entries: int
    sharing: dict[str, int]
    participant_email: str
    cohort_id: int
    group_id: int
    group_name: str
    week: int
    reading_room_entries: int
    reading_room_authors: int
    body_chars: dict[str, int]
    seconds: float


def _body(rng: random.Random) -> str:
    """About 600 characters of journal-like text, different for every entry."""
    # A number or two so that no two bodies are the same.
    ending = f"Day {rng.randint(1, 21)}, {rng.randint(1, 9)} of 10."
    target = rng.randint(*BODY_LENGTH) - len(ending) - 1
    opening = rng.choice(OPENINGS)
    first, *rest = rng.sample(SENTENCES, len(SENTENCES))
    if not first.startswith("I "):
        first = first[0].lower() + first[1:]
    words = [f"{opening}, {first}"]
    length = len(words[0])
    for sentence in rest:
        if length + 1 + len(sentence) <= target:
            words.append(sentence)
            length += 1 + len(sentence)
    return " ".join([*words, ending])


def _sharing_plan(rng: random.Random, count: int) -> list[str]:
    plan = []
    for sharing, share in SHARING_MIX:
        plan += [sharing] * round(count * share)
    plan = (plan + ["private"] * count)[:count]
    rng.shuffle(plan)
    return plan


def _week_span(cohort, week: int, now: datetime) -> tuple[datetime, datetime]:
    """The week's first and last moment on the cohort's calendar, in UTC, never after now."""
    zone = ZoneInfo(cohort.timezone)
    first_day = cohort.start_date + timedelta(days=7 * (week - 1))
    start = datetime.combine(first_day, clock(), tzinfo=zone).astimezone(UTC)
    end = min(start + timedelta(days=7), now - timedelta(minutes=1))
    return start, max(end, start + timedelta(minutes=1))


def seed(scratch: Scratch) -> JournalSeed:
    """40 participants in the demo cohort's two small groups, 200 saved entries each."""
    from sqlmodel import Session, func, select

    from app import crypto
    from app.auth.passwords import hash_password
    from app.config import Settings
    from app.db import make_engine
    from app.models import Cohort, JournalEntry, Membership, Role, SmallGroup, User

    started = time.monotonic()
    rng = random.Random(RANDOM_SEED)
    now = datetime.now(UTC)
    with scoped_environ(scratch.env):
        settings = Settings.from_env()
        crypto.configure(settings.data_keys)
        engine = make_engine(settings.database_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            cohort = db.exec(select(Cohort).order_by(Cohort.id)).first()
            groups = list(
                db.exec(
                    select(SmallGroup)
                    .where(SmallGroup.cohort_id == cohort.id)
                    .order_by(SmallGroup.id)
                )
            )
            reading_group = next(g for g in groups if g.name == READING_GROUP)
            password_hash = hash_password(scratch.password)  # once: argon2 is slow on purpose
            people = []
            for number in range(1, PARTICIPANTS + 1):
                user = User(
                    email=f"journal{number:02d}@example.org",
                    display_name=f"Journal writer {number:02d}",
                    password_hash=password_hash,
                    role=Role.participant,
                )
                group = groups[(number - 1) % len(groups)]
                people.append((user, group))
            db.add_all([user for user, _group in people])
            db.flush()
            db.add_all(
                [
                    Membership(
                        user_id=user.id,
                        cohort_id=cohort.id,
                        small_group_id=group.id,
                        role=Role.participant,
                    )
                    for user, group in people
                ]
            )
            db.commit()
            spans = {week: _week_span(cohort, week, now) for week in WEEKS}
            sharing_total: dict[str, int] = {}
            lengths: list[int] = []
            for user, group in people:
                entries = []
                for sharing in _sharing_plan(rng, ENTRIES_EACH):
                    week = rng.choice(WEEKS)
                    start, end = spans[week]
                    written = start + (end - start) * rng.random()
                    feelings = rng.sample(FEELINGS, rng.randint(0, 3))
                    body = _body(rng)
                    lengths.append(len(body))
                    entries.append(
                        JournalEntry(
                            user_id=user.id,
                            cohort_id=cohort.id,
                            small_group_id=group.id,
                            client_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            week=week,
                            title=rng.choice(TITLES) if rng.random() < 0.4 else None,
                            body=body,
                            feelings=json.dumps(feelings) if feelings else None,
                            sharing=sharing,
                            draft=False,
                            created_at=written,
                            updated_at=written,
                            shared_at=written if sharing != "private" else None,
                        )
                    )
                    sharing_total[sharing] = sharing_total.get(sharing, 0) + 1
                db.add_all(entries)
                db.commit()  # one per participant; EncryptedText encrypts each value
            _settle(engine)
            shown = db.exec(
                select(
                    func.count(JournalEntry.id), func.count(JournalEntry.user_id.distinct())
                ).where(
                    JournalEntry.small_group_id == reading_group.id,
                    JournalEntry.sharing.in_(["group", "facilitators"]),
                    JournalEntry.draft.is_(False),
                    JournalEntry.week == READING_WEEK,
                )
            ).one()
            return JournalSeed(
                participants=PARTICIPANTS,
                entries=PARTICIPANTS * ENTRIES_EACH,
                sharing=dict(sorted(sharing_total.items())),
                participant_email=people[0][0].email,
                cohort_id=cohort.id,
                group_id=reading_group.id,
                group_name=reading_group.name,
                week=READING_WEEK,
                reading_room_entries=shown[0],
                reading_room_authors=shown[1],
                body_chars={
                    "min": min(lengths),
                    "mean": round(sum(lengths) / len(lengths)),
                    "max": max(lengths),
                },
                seconds=round(time.monotonic() - started, 1),
            )
    finally:
        engine.dispose()


def _settle(engine) -> None:
    """On PostgreSQL, vacuum and analyze after the bulk load, as autovacuum would soon after
    such a load in a running programme: the runs then measure the steady state (index-only
    scans, a planner that knows the table's size), not autovacuum catching up with 8,000 new
    rows on the same two cores."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def autosave_form(csrf_token: str) -> tuple[str, str]:
    """What the save runs post, as the outbox sends it (plus the form's token): the form
    without its text, client UUID and version, and the urlencoded text each save extends."""
    fields = {"week": "0", "sharing": "private", "csrf_token": csrf_token}
    text = _body(random.Random(RANDOM_SEED + 1))
    return urlencode(fields), quote_plus(text)


def bench_drafts(scratch: Scratch, seeded: JournalSeed) -> dict[str, int]:
    """How many drafts the save runs wrote, and the sum of their versions: with no lost
    update, each save answered 200 raised one draft's version by one (a new draft is 1)."""
    from sqlmodel import Session, func, select

    from app.config import Settings
    from app.db import make_engine
    from app.models import JournalEntry, User

    with scoped_environ(scratch.env):
        engine = make_engine(Settings.from_env().database_url)
    try:
        with Session(engine) as db:
            count, versions = db.exec(
                select(
                    func.count(JournalEntry.id), func.coalesce(func.sum(JournalEntry.version), 0)
                )
                .join(User, User.id == JournalEntry.user_id)
                .where(
                    User.email == seeded.participant_email,
                    JournalEntry.client_uuid.startswith(AUTOSAVE_UUID_PREFIX),
                )
            ).one()
    finally:
        engine.dispose()
    return {"drafts": count, "version_sum": versions}


class PreflightFailed(RuntimeError):
    """A page did not answer as the benchmark expects before it is measured."""


def _check(response: requests.Response, what: str) -> requests.Response:
    if response.status_code != 200:
        raise PreflightFailed(f"{what} answered {response.status_code}, expected 200.")
    return response


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    signed_in_as: str
    path: str
    headers: dict[str, str]
    script_args: tuple[str, ...] = ()
    # wrk threads; the save runs one per connection, so each device's saves are sequential.
    threads: int | None = None

    @property
    def script(self):
        return load.AUTOSAVE_LUA if self.script_args else load.LUA


def _targets(
    server: Gunicorn, scratch: Scratch, seeded: JournalSeed
) -> tuple[list[Target], dict, requests.Session]:
    """Sign in as the seeded participant and the facilitator, check each page once."""
    participant = sign_in(server.url, scratch.password, seeded.participant_email)
    token = outbox_csrf_token(participant, server.url)  # may refresh the session cookie
    form, text = autosave_form(token)
    saved = _check(
        participant.post(
            server.url + "/journal/autosave",
            data=f"{form}&client_uuid={AUTOSAVE_UUID_PREFIX}00&body={text}",
            headers={
                "X-CSRFToken": token,
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout=TIMEOUT,
        ),
        "POST /journal/autosave",
    ).json()
    if not saved.get("saved"):
        raise PreflightFailed(f"POST /journal/autosave answered {saved!r}.")
    listing = _check(participant.get(server.url + "/journal/", timeout=TIMEOUT), "GET /journal/")
    participant_headers = browser_headers(cookie_header(participant))
    save_headers = {
        "Cookie": participant_headers["Cookie"],
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": participant_headers["Accept-Encoding"],
        "X-CSRFToken": token,
    }

    facilitator = sign_in(server.url, scratch.password, FACILITATOR)
    room_path = f"/team/cohorts/{seeded.cohort_id}/reflections/{seeded.group_id}/week/{seeded.week}"
    room = _check(facilitator.get(server.url + room_path, timeout=TIMEOUT), f"GET {room_path}")
    shown = room.text.count('class="card reflection"')
    expected = min(seeded.reading_room_entries, READING_ROOM_PAGE)
    if shown != expected:
        raise PreflightFailed(
            f"The reading room shows {shown} entries; its first page should hold {expected} "
            f"of the {seeded.reading_room_entries} shared for that group and week."
        )
    who = seeded.participant_email
    targets = [
        Target("home", "Home `GET /`", who, "/", participant_headers),
        Target("list", "Journal list `GET /journal/`", who, "/journal/", participant_headers),
        Target(
            "save",
            "Save `POST /journal/autosave`",
            who,
            "/journal/autosave",
            save_headers,
            (form, text, AUTOSAVE_UUID_PREFIX),
            threads=CONNECTIONS,
        ),
        Target(
            "reading_room",
            f"Reading room `GET {room_path}`",
            FACILITATOR,
            room_path,
            browser_headers(cookie_header(facilitator)),
        ),
    ]
    checks = {
        "list_entries_on_page": listing.text.count('class="card entry-card"'),
        "list_html_bytes": len(listing.content),
        "autosave_answer": saved,
        "autosave_body_chars": len(_body(random.Random(RANDOM_SEED + 1))),
        "reading_room_entries_shown": shown,
        "reading_room_html_bytes": len(room.content),
    }
    return targets, checks


def _warm_up(server: Gunicorn, target: Target, warmup: int) -> None:
    """Warm a page up just before its first run, and let the server work off what the
    warm-up left queued. The home page as long as the other parts warm up; each journal page
    half as long."""
    seconds = warmup if target.key == "home" else max(1, warmup // 2)
    load.progress(f"journal: warming up {target.path} for {seconds} s")
    load.warm_up(
        server,
        seconds=seconds,
        headers=target.headers,
        path=target.path,
        script=target.script,
        script_args=target.script_args,
        **({"connections": CONNECTIONS, "threads": target.threads} if target.threads else {}),
    )
    load.wait_until_quiet(server)


def _median_run(page_runs: list[dict]) -> dict:
    """The run with the median p95 (the lower one of an even count), with every round's p95:
    on a shared machine one run's p95 moves by tens of percent from one run to the next."""
    ordered = sorted(page_runs, key=lambda run: run["latency_ms"]["p95"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["p95_each_round_ms"] = [run["latency_ms"]["p95"] for run in page_runs]
    median["non_200_all_rounds"] = sum(run["non_200"] for run in page_runs)
    median["socket_errors_all_rounds"] = {
        name: sum(run["socket_errors"][name] for run in page_runs)
        for name in median["socket_errors"]
    }
    return median


def measure(
    server: Gunicorn,
    scratch: Scratch,
    *,
    duration: int,
    warmup: int,
    threads: int,
    rounds: int = ROUNDS,
):
    """Seed, check, warm up and measure the four pages, in rounds; the targets judged on each
    page's median run. Then each page's CPU per response, the pages taking turns in one
    process (bench/cost.py)."""
    load.progress(
        f"journal: seeding {PARTICIPANTS} participants × {ENTRIES_EACH} entries "
        "(encrypted one by one)"
    )
    seeded = seed(scratch)
    load.progress(f"journal: seeded in {seeded.seconds} s; signing in and checking each page")
    targets, checks = _targets(server, scratch, seeded)
    every_run: dict[str, list[dict]] = {target.key: [] for target in targets}
    for number in range(1, rounds + 1):
        for target in targets:
            if number == 1:
                _warm_up(server, target, warmup)
            load.progress(
                f"journal: round {number}/{rounds}: wrk -c{CONNECTIONS} {target.path} "
                f"for {duration} s"
            )
            run = load.measure(
                server,
                connections=CONNECTIONS,
                threads=target.threads or threads,
                duration=duration,
                headers=target.headers,
                path=target.path,
                script=target.script,
                script_args=target.script_args,
            )
            run.update(label=target.label, path=target.path, signed_in_as=target.signed_in_as)
            run["method"] = "POST" if target.script_args else "GET"
            run["round"] = number
            every_run[target.key].append(run)
            load.wait_until_quiet(server)
    runs = {key: _median_run(page_runs) for key, page_runs in every_run.items()}
    # With no lost update, the drafts' versions add up to the saves answered 200 (warm-up
    # and the check above included).
    checks["autosave_drafts"] = bench_drafts(scratch, seeded)
    save = next(target for target in targets if target.key == "save")
    time.sleep(0.5)  # the access log's last lines
    checks["autosave_posts_answered_200"] = server.statuses(0, save.path).get("200", 0)
    load.progress(
        f"journal: CPU per response, the pages taking turns in one process "
        f"({cost.ROUNDS} rounds of {cost.BATCH})"
    )
    costs = cost.measure(
        scratch,
        participant=seeded.participant_email,
        facilitator=FACILITATOR,
        room_path=next(t.path for t in targets if t.key == "reading_room"),
        form_of=autosave_form,
    )
    home_p95 = runs["home"]["latency_ms"]["p95"]
    verdicts = {}
    for key in ("list", "save"):
        p95 = runs[key]["latency_ms"]["p95"]
        verdicts[key] = {
            "target": "median p95 within the home page's median p95 in the same run",
            "limit_ms": home_p95,
            "p95_ms": p95,
            "ratio_to_home": round(p95 / max(home_p95, 1e-3), 2),
            "met": p95 <= home_p95,
        }
    room_p95 = runs["reading_room"]["latency_ms"]["p95"]
    verdicts["reading_room"] = {
        "target": f"p95 under {READING_ROOM_TARGET_MS} ms",
        "limit_ms": READING_ROOM_TARGET_MS,
        "p95_ms": room_p95,
        "met": room_p95 < READING_ROOM_TARGET_MS,
    }
    return {
        "duration_s": duration,
        "rounds": rounds,
        "warmup_s": warmup,
        "wrk_threads": threads,
        "connections": CONNECTIONS,
        "seed": asdict(seeded),
        "checks": checks,
        "request_headers": {target.key: sorted(target.headers) for target in targets},
        "runs": runs,
        "every_run": every_run,
        "targets": verdicts,
        "cost": costs,
    }
