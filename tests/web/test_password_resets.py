"""Forgotten passwords: a one-time link by email, or from an administrator.

Single use, 30 minutes, stored hashed, the same answer (and like timing) whether or not the
email has an account, every session ended on reset, the link never in a log line, and the
email in the person's language with no clinical detail.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from datetime import timedelta
from urllib.parse import urlsplit

from sqlmodel import select

from app.auth import resets
from app.auth.passwords import verify_password
from app.crypto import token_hash
from app.models import AuditEvent, PasswordReset, SignInSession, User
from app.notifications import delivery
from tests import canaries
from tests.conftest import post, sign_in

NEW_PASSWORD = "a river of quiet stones"
LINK = re.compile(r"https?://[^\s\"<>]+/password/reset\?token=[A-Za-z0-9_\-]+")


class Keep:
    """A mail transport that keeps what it is given."""

    def __init__(self):
        self.sent = []

    def send(self, email):
        self.sent.append(email)

    def close(self):
        pass


def deliver(app) -> list:
    kept = Keep()
    with app.app_context():
        delivery.run_once(app, mail_transport=kept)
    return kept.sent


def ask(client, email: str):
    return post(client, "/password/forgot", {"email": email})


def reset_link(app, client, person) -> str:
    assert ask(client, person.email).status_code == 200
    [email] = deliver(app)
    return LINK.search(email.get_body(("plain",)).get_content()).group(0)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def choose(client, link: str, password: str = NEW_PASSWORD):
    opened = client.get(path_of(link))
    assert opened.status_code == 303 and opened.location.endswith("/password/reset")
    assert "token" not in opened.location
    return post(client, "/password/reset", {"new_password": password})


def test_the_sign_in_page_offers_the_forgotten_password_page(client):
    assert "/password/forgot" in client.get("/signin").get_data(as_text=True)
    assert client.get("/password/forgot").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(client, world):
    known = ask(client, world.participant.email)
    unknown = ask(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )


def test_asking_takes_about_as_long_whether_or_not_the_email_has_an_account(client, world):
    """Interleaved, so both sides see the same load on a shared machine; each known account
    is asked for at most three times, so every known request takes the full mail path."""
    accounts = [
        world.participant,
        world.same_group,
        world.other_group,
        world.people["other_cohort"],
    ]
    known, unknown = [], []
    ask(client, "warm-up@example.org")
    for n in range(12):
        for email, durations in (
            (accounts[n % len(accounts)].email, known),
            (f"nobody-{n}@example.org", unknown),
        ):
            started = time.perf_counter()
            ask(client, email)
            durations.append(time.perf_counter() - started)
    gap = abs(statistics.median(known) - statistics.median(unknown))
    # Far less than one password hash (~50 ms): the response time tells nothing.
    assert gap < 0.025, (statistics.median(known), statistics.median(unknown))


def test_a_reset_email_is_sent_only_for_an_account(app, client, world):
    ask(client, "nobody-here@example.org")
    assert deliver(app) == []
    ask(client, world.participant.email)
    [email] = deliver(app)
    assert email["To"] == world.participant.email


def test_the_email_is_plain_text_and_html_with_no_clinical_detail(app, client, world):
    canaries.add(world.participant.display_name)
    ask(client, world.participant.email)
    [email] = deliver(app)
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert email["Subject"] == "Tend: choose a new password"
    assert LINK.search(text) and LINK.search(html)
    assert "30 minutes" in text
    assert world.participant.display_name not in text + html
    assert "Cohort A" not in text + html


def test_the_email_is_in_the_persons_language(app, client, db, world):
    world.participant.preferred_locale = "fr_CA"
    db.commit()
    ask(client, world.participant.email)
    [email] = deliver(app)
    assert email["Subject"] == "Tend\u202f: choisir un nouveau mot de passe"
    assert email["Content-Language"] == "fr-CA"
    assert "30\u00a0minutes" in email.get_body(("plain",)).get_content()


def test_without_a_chosen_language_the_email_follows_the_page_it_was_asked_on(app, client, world):
    post(
        client,
        "/password/forgot",
        {"email": world.participant.email},
        headers={"Accept-Language": "fr-CA"},
    )
    [email] = deliver(app)
    assert email["Subject"] == "Tend\u202f: choisir un nouveau mot de passe"


def test_only_the_tokens_hash_is_stored(app, client, db, world):
    link = reset_link(app, client, world.participant)
    token = urlsplit(link).query.removeprefix("token=")
    [stored] = db.exec(select(PasswordReset)).all()
    assert stored.token_hash == token_hash(token)
    assert token not in repr(stored.__dict__)


def test_the_link_sets_a_new_password_and_ends_every_session(app, client, db, world):
    phone = app.test_client()
    sign_in(phone, world.participant)
    link = reset_link(app, client, world.participant)
    response = choose(client, link)
    assert response.status_code == 303 and response.location.endswith("/signin")
    assert phone.get("/").status_code == 302
    db.expire_all()
    user = db.get(User, world.participant.id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not db.exec(
        select(SignInSession).where(
            SignInSession.user_id == user.id, SignInSession.revoked_at.is_(None)
        )
    ).all()
    sign_in(app.test_client(), world.participant, NEW_PASSWORD)


def test_a_link_works_once(app, client, world):
    link = reset_link(app, client, world.participant)
    choose(client, link)
    again = app.test_client()
    response = choose(again, link, "another long passphrase")
    assert response.status_code == 422
    assert "This link no longer works" in response.get_data(as_text=True)


def test_a_link_expires_after_30_minutes(app, client, db, world):
    link = reset_link(app, client, world.participant)
    [stored] = db.exec(select(PasswordReset)).all()
    stored.expires_at = stored.created_at + timedelta(minutes=30) - timedelta(hours=1)
    db.commit()
    assert timedelta(minutes=30) == resets.LIFETIME
    response = choose(client, link)
    assert response.status_code == 422
    assert "This link no longer works" in response.get_data(as_text=True)


def test_a_made_up_link_explains_and_changes_nothing(client, db, world):
    opened = client.get("/password/reset?token=made-up", follow_redirects=True)
    assert "This link no longer works" in opened.get_data(as_text=True)
    assert post(client, "/password/reset", {"new_password": NEW_PASSWORD}).status_code == 422


def test_a_weak_new_password_is_refused_kindly(app, client, world):
    link = reset_link(app, client, world.participant)
    response = choose(client, link, "short")
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)


def test_a_deactivated_account_gets_no_email_and_its_links_stop(app, client, db, world):
    link = reset_link(app, client, world.participant)
    world.participant.active = False
    db.commit()
    assert choose(client, link).status_code == 422
    ask(client, world.participant.email)
    assert deliver(app) == []


def test_asking_again_and_again_sends_at_most_three_emails(app, client, world):
    for _ in range(5):
        assert ask(client, world.participant.email).status_code == 200
    assert len(deliver(app)) == resets.MAX_OPEN_REQUESTS


def test_the_link_never_appears_in_a_log_line(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    link = reset_link(app, client, world.participant)
    token = urlsplit(link).query.removeprefix("token=")
    choose(client, link)
    assert token not in caplog.text
    # The development server logs request lines: its filter hides the token.
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        (f"GET {path_of(link)} HTTP/1.1", 303),
        None,
    )
    for keep in logging.getLogger("werkzeug").filters:
        keep.filter(record)
    assert token not in record.getMessage() and "token=[redacted]" in record.getMessage()


def test_the_outbox_keeps_the_link_encrypted(app, client, db, world):
    from sqlalchemy import text

    ask(client, world.participant.email)
    stored = db.connection().execute(text("SELECT context FROM notification")).scalar_one()
    assert "token" not in stored and "password/reset" not in stored


def test_an_administrator_issues_a_one_time_link_shown_once(app, client, db, world):
    sign_in(client, world.admin)
    page = post(client, f"/admin/people/{world.participant.id}/reset-link").get_data(as_text=True)
    link = LINK.search(page).group(0)
    assert "shown only now" in page
    assert (
        LINK.search(client.get(f"/admin/people/{world.participant.id}").get_data(as_text=True))
        is None
    )
    [stored] = db.exec(select(PasswordReset)).all()
    assert stored.issued_by_id == world.admin.id
    other = app.test_client()
    assert choose(other, link).status_code == 303
    events = db.exec(select(AuditEvent.action).where(AuditEvent.subject_id == world.participant.id))
    assert {"password_reset_issued", "password_reset_completed"} <= set(events)


def test_using_a_link_ends_the_persons_other_open_links(app, client, db, world):
    first = reset_link(app, client, world.participant)
    second = reset_link(app, client, world.participant)
    choose(client, second)
    assert choose(app.test_client(), first, "another long passphrase").status_code == 422
