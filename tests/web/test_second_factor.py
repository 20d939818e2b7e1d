"""A second factor after the password: authenticator apps, recovery codes, passkeys' rules,
who must have one, and what a person half-way through signing in can open."""

from __future__ import annotations

import json
import logging
import os
import time

import pyotp
import pytest
from sqlmodel import select

from app.models import AuditEvent, Passkey, RecoveryCode, TotpFactor
from app.second_factor import totp
from app.second_factor.state import second_factor_state
from tests.conftest import PASSWORD, csrf_token, post, sign_in
from tests.web.second_factor_helpers import (
    make_recovery_codes,
    next_code,
    password_step,
    path_of,
    set_up_app,
    sign_out,
)

# Where a finished sign-in leads: home, or first the consents a participant has yet to answer.
LANDINGS = ("/", "/consent")


@pytest.fixture
def required(make_app):
    """A deployment where staff must have a second factor, as production always is."""
    return make_app(second_factor_required=True)


def test_a_participant_may_turn_on_an_app_and_is_then_asked_for_it(client, db, world):
    sign_in(client, world.participant)
    page = client.get("/account").get_data(as_text=True)
    assert "Turn on a second factor" in page
    secret = set_up_app(client)
    codes = make_recovery_codes(client)
    assert len(set(codes)) == 10
    sign_out(client)

    response = password_step(client, world.participant)
    assert path_of(response) == "/signin/second-factor"
    # The password alone opens nothing: every page still answers "sign in".
    assert path_of(client.get("/")) == "/signin"
    assert path_of(client.get("/journal/")) == "/signin"
    step = client.get("/signin/second-factor").get_data(as_text=True)
    assert "6-digit code from your authenticator app" in step

    response = post(client, "/signin/second-factor/code", {"code": next_code(secret)})
    assert response.status_code == 303 and path_of(response) in LANDINGS
    assert client.get("/").status_code == 200
    db.expire_all()
    state = second_factor_state(db, world.participant)
    assert state.kinds == ("totp",) and state.recovery_codes_left == 10


def test_a_participant_is_never_required_to_have_one(required, world):
    client = required.test_client()
    response = password_step(client, world.participant)
    assert path_of(response) in LANDINGS
    assert client.get("/").status_code == 200
    assert "Second factor not set" not in client.get("/").get_data(as_text=True)


def test_a_wrong_code_is_refused_kindly_and_the_step_stays_open(client, world):
    sign_in(client, world.participant)
    set_up_app(client)
    sign_out(client)
    password_step(client, world.participant)
    response = post(client, "/signin/second-factor/code", {"code": "000000x"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That code did not work" in page
    assert 'value="000000x"' in page  # what was typed is still there
    assert path_of(client.get("/")) == "/signin"


def test_a_code_that_was_used_once_is_refused_the_second_time(client, world):
    sign_in(client, world.participant)
    secret = set_up_app(client)
    sign_out(client)
    code = next_code(secret)
    password_step(client, world.participant)
    assert post(client, "/signin/second-factor/code", {"code": code}).status_code == 303
    sign_out(client)

    password_step(client, world.participant)
    replayed = post(client, "/signin/second-factor/code", {"code": code})
    assert replayed.status_code == 422
    assert path_of(client.get("/")) == "/signin"


def test_a_time_step_once_accepted_never_works_again_and_the_next_one_does(db, world):
    factor = TotpFactor(user_id=world.participant.id, secret=pyotp.random_base32())
    db.add(factor)
    db.commit()
    now = 1_800_000_000.0
    current = pyotp.TOTP(factor.secret).at(now)
    assert totp.accept_code(db, factor, current, now=now)
    assert not totp.accept_code(db, factor, current, now=now)
    # An older step still inside the window is refused too: time only moves forward.
    earlier = pyotp.TOTP(factor.secret).at(now - 30)
    assert not totp.accept_code(db, factor, earlier, now=now)
    assert totp.accept_code(db, factor, pyotp.TOTP(factor.secret).at(now + 30), now=now + 30)
    assert not totp.accept_code(db, factor, pyotp.TOTP(factor.secret).at(now), now=now + 120)


def test_recovery_codes_each_work_once(client, db, world):
    sign_in(client, world.participant)
    set_up_app(client)
    codes = make_recovery_codes(client)
    sign_out(client)

    password_step(client, world.participant)
    used = post(client, "/signin/second-factor/recovery", {"recovery_code": codes[0]})
    assert used.status_code == 303 and path_of(used) in LANDINGS
    assert "9 are left" in client.get(path_of(used)).get_data(as_text=True)
    sign_out(client)

    password_step(client, world.participant)
    again = post(client, "/signin/second-factor/recovery", {"recovery_code": codes[0]})
    assert again.status_code == 422
    assert "Each code works only once" in again.get_data(as_text=True)
    # Typed without the dash, in small letters, another code still works.
    other = codes[1].replace("-", "").lower()
    assert (
        post(client, "/signin/second-factor/recovery", {"recovery_code": other}).status_code == 303
    )
    db.expire_all()
    assert second_factor_state(db, world.participant).recovery_codes_left == 8


def test_recovery_codes_are_kept_only_as_password_hashes(client, db, world):
    sign_in(client, world.participant)
    set_up_app(client)
    codes = make_recovery_codes(client)
    stored = db.exec(select(RecoveryCode).where(RecoveryCode.user_id == world.participant.id))
    hashes = [row.code_hash for row in stored]
    assert len(hashes) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)


def test_new_recovery_codes_stop_the_old_ones(client, world):
    sign_in(client, world.participant)
    set_up_app(client)
    old = make_recovery_codes(client)
    new = make_recovery_codes(client)
    assert not set(old) & set(new)
    sign_out(client)
    password_step(client, world.participant)
    assert (
        post(client, "/signin/second-factor/recovery", {"recovery_code": old[0]}).status_code == 422
    )
    assert (
        post(client, "/signin/second-factor/recovery", {"recovery_code": new[0]}).status_code == 303
    )


def test_staff_cannot_remove_their_last_factor(client, db, world):
    sign_in(client, world.facilitator)
    set_up_app(client)
    response = post(client, "/account/second-factor/app/remove")
    assert response.status_code == 303
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Team accounts always keep a second factor" in page
    db.expire_all()
    assert second_factor_state(db, world.facilitator).kinds == ("totp",)


def test_staff_may_remove_one_factor_while_another_remains(client, db, world):
    sign_in(client, world.facilitator)
    set_up_app(client)
    passkey = _stored_passkey(db, world.facilitator, "Work laptop")
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "Work laptop" in page
    assert post(client, f"/account/second-factor/passkeys/{passkey.id}/remove").status_code == 303
    db.expire_all()
    assert second_factor_state(db, world.facilitator).kinds == ("totp",)
    # Now the app is the last one: refused.
    post(client, "/account/second-factor/app/remove")
    db.expire_all()
    assert second_factor_state(db, world.facilitator).kinds == ("totp",)


def test_staff_cannot_remove_their_last_passkey(client, db, world):
    sign_in(client, world.medical)
    passkey = _stored_passkey(db, world.medical, "Phone")
    post(client, f"/account/second-factor/passkeys/{passkey.id}/remove")
    db.expire_all()
    assert db.get(Passkey, passkey.id) is not None


def test_nobody_removes_another_persons_passkey(client, db, world):
    passkey = _stored_passkey(db, world.facilitator, "Phone")
    sign_in(client, world.participant)
    assert post(client, f"/account/second-factor/passkeys/{passkey.id}/remove").status_code == 404
    db.expire_all()
    assert db.get(Passkey, passkey.id) is not None


def test_a_participant_may_turn_it_off_again_and_the_codes_go_with_it(client, db, world):
    sign_in(client, world.participant)
    set_up_app(client)
    make_recovery_codes(client)
    assert post(client, "/account/second-factor/app/remove").status_code == 303
    db.expire_all()
    state = second_factor_state(db, world.participant)
    assert state.kinds == () and state.recovery_codes_left == 0
    sign_out(client)
    assert path_of(password_step(client, world.participant)) in LANDINGS


def test_the_state_for_an_administrators_page_counts_without_secrets(db, world):
    _stored_passkey(db, world.admin, "Phone")
    _stored_passkey(db, world.admin, "Key")
    state = second_factor_state(db, world.admin)
    assert state.kinds == ("passkey",)
    assert state.passkeys == 2 and state.recovery_codes_left == 0 and state.enrolled
    assert not second_factor_state(db, world.participant).enrolled


def test_a_password_change_leaves_the_second_factor_as_it_was(client, db, world):
    sign_in(client, world.facilitator)
    secret = set_up_app(client)
    make_recovery_codes(client)
    before = second_factor_state(db, world.facilitator)
    response = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a quite different passphrase"},
    )
    assert response.status_code == 303
    db.expire_all()
    assert second_factor_state(db, world.facilitator) == before
    factor = db.exec(select(TotpFactor).where(TotpFactor.user_id == world.facilitator.id)).one()
    assert factor.secret == secret
    sign_out(client)
    response = password_step(client, world.facilitator, "a quite different passphrase")
    assert path_of(response) == "/signin/second-factor"


def test_every_factor_change_is_audited_and_logged_without_secrets(client, db, world, caplog):
    caplog.set_level(logging.INFO, logger="tend.security")
    sign_in(client, world.participant)
    secret = set_up_app(client)
    codes = make_recovery_codes(client)
    sign_out(client)
    password_step(client, world.participant)
    post(client, "/signin/second-factor/recovery", {"recovery_code": codes[0]})
    post(client, "/account/second-factor/app/remove")

    events = db.exec(
        select(AuditEvent)
        .where(AuditEvent.subject_id == world.participant.id)
        .order_by(AuditEvent.id)
    ).all()
    changes = [(e.action, e.object_type) for e in events if e.action != "signed_in"]
    assert changes == [
        ("second_factor_added", "totp"),
        ("recovery_codes_created", "recovery"),
        ("recovery_code_used", "recovery"),
        ("second_factor_removed", "totp"),
    ]
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tend.security"]
    lines = [line for line in logged if line["event"] != "signed_in"]
    assert [line["event"] for line in lines] == [action for action, _ in changes]
    text = json.dumps(lines) + repr([(e.object_type, e.object_id) for e in events])
    for secret_text in (secret, *codes, world.participant.email, world.participant.display_name):
        assert secret_text not in text
    assert str(world.participant.id) not in {line["account"] for line in lines}


def test_attempts_at_the_code_are_limited(make_app, world):
    application = make_app(second_factor_limit="3 per 5 minutes")
    client = application.test_client()
    sign_in(client, world.participant)
    set_up_app(client)
    sign_out(client)
    password_step(client, world.participant)
    answers = [
        post(client, "/signin/second-factor/code", {"code": "123456"}).status_code for _ in range(4)
    ]
    assert answers == [422, 422, 422, 429]


def test_the_step_closes_after_ten_minutes(client, world, monkeypatch):
    sign_in(client, world.participant)
    secret = set_up_app(client)
    sign_out(client)
    password_step(client, world.participant)
    later = time.time() + 11 * 60
    monkeypatch.setattr("app.second_factor.pending.time.time", lambda: later)
    response = post(client, "/signin/second-factor/code", {"code": next_code(secret)})
    assert path_of(response) == "/signin"


def test_garbage_instead_of_a_passkey_gets_a_kind_answer_not_a_500(client, world):
    sign_in(client, world.participant)
    options = post(client, "/second-factor/setup/passkey/options")
    assert options.status_code == 200
    body = options.get_json()
    assert body["rp"]["id"] == "localhost" and body["challenge"]
    for payload in (b"not json", b"[]", b'{"credential": {"id": "x"}}'):
        response = client.post(
            "/second-factor/setup/passkey",
            data=payload,
            headers={"X-CSRFToken": csrf_token(client), "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert "could not be saved" in response.get_json()["error"]


def _stored_passkey(db, user, name: str) -> Passkey:
    """A passkey row as registration leaves it; its use is proven in the Chromium journeys."""
    passkey = Passkey(user_id=user.id, credential_id=os.urandom(16), public_key=b"k", name=name)
    db.add(passkey)
    db.commit()
    return passkey


def test_an_operator_resets_a_lost_second_factor_and_every_session_ends(client, runner, db, world):
    sign_in(client, world.facilitator)
    set_up_app(client)
    make_recovery_codes(client)
    result = runner.invoke(args=["reset-second-factor", "Facilitator@Example.test"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    state = second_factor_state(db, world.facilitator)
    assert state.kinds == () and state.recovery_codes_left == 0
    assert path_of(client.get("/")) == "/signin"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "second_factor_reset")).one()
    assert event.actor_id is None and event.subject_id == world.facilitator.id
    assert runner.invoke(args=["reset-second-factor", "nobody@example.test"]).exit_code != 0
