"""Account lifecycle: the people pages, deactivation, leaving a cohort, closing one's account.

Every change that takes something away ends the person's sign-in sessions at once: their
other browser is on the sign-in page at its next request.
"""

from __future__ import annotations

from sqlmodel import select

from app.models import (
    AuditEvent,
    JournalEntry,
    Membership,
    Role,
    SignInSession,
    User,
    Withdrawal,
)
from tests.conftest import PASSWORD, post, sign_in


def signed_in(app, person):
    other = app.test_client()
    sign_in(other, person)
    assert other.get("/").status_code == 200
    return other


def lands_on_sign_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.location.endswith("/signin")


def actions(db, subject_id) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.subject_id == subject_id)
    return list(db.exec(query))


def add_entry(db, world, person, cohort=None, body="a private thought") -> int:
    import uuid

    entry = JournalEntry(
        user_id=person.id,
        cohort_id=(cohort or world.cohort).id,
        client_uuid=str(uuid.uuid4()),
        body=body,
        week=3,
    )
    db.add(entry)
    db.commit()
    return entry.id


# ---- the people pages -----------------------------------------------------------------


def test_the_people_page_lists_staff_and_participants(client, world):
    sign_in(client, world.admin)
    page = client.get("/admin/people").get_data(as_text=True)
    for person in (
        world.participant,
        world.facilitator,
        world.medical,
        world.people["other_cohort"],
    ):
        assert person.display_name in page
    assert "Cohort A" in page and "Cohort B" in page


def test_the_people_page_searches_by_name_or_email_and_filters(client, db, world):
    sign_in(client, world.admin)
    found = post(client, "/admin/people", {"q": "same_group@"}).get_data(as_text=True)
    assert "Same Group" in found and "Other Group" not in found
    by_role = post(client, "/admin/people", {"role": "medical"}).get_data(as_text=True)
    assert "Medical" in by_role and "Same Group" not in by_role
    by_cohort = post(client, "/admin/people", {"cohort": world.other_cohort.id})
    text = by_cohort.get_data(as_text=True)
    assert "Other Cohort" in text and "Same Group" not in text
    world.same_group.active = False
    db.commit()
    off = post(client, "/admin/people", {"status": "deactivated"}).get_data(as_text=True)
    assert "Same Group" in off and "Other Group" not in off
    on = post(client, "/admin/people", {"status": "active"}).get_data(as_text=True)
    assert "Same Group" not in on and "Other Group" in on


def test_a_search_never_goes_in_the_address(client, world):
    sign_in(client, world.admin)
    page = client.get("/admin/people").get_data(as_text=True)
    assert 'method="post" action="/admin/people"' in page


def test_the_person_page_shows_their_cohorts_and_actions(client, world):
    sign_in(client, world.admin)
    page = client.get(f"/admin/people/{world.participant.id}").get_data(as_text=True)
    assert "Cohort A" in page and "Cedar" in page
    assert "Withdraw from this cohort" in page
    assert "Deactivate the account" in page
    # Whether they have a second factor, never anything of it.
    assert "<dt>Second factor</dt><dd>Not set</dd>" in page


def test_the_person_page_shows_a_second_factor_state_when_given(app, client, world):
    from flask import render_template

    from app.auth.forms import ConfirmForm

    with app.test_request_context():
        from flask_login import login_user

        login_user(world.admin)
        html = render_template(
            "admin/person.html",
            person=world.participant,
            memberships=[],
            events=[],
            confirm_form=ConfirmForm(),
            reset_link=None,
            is_self=False,
            kind_label=str,
            second_factor_state="Authenticator app",
        )
    assert "Second factor" in html and "Authenticator app" in html


def test_an_unknown_person_is_not_found(client, world):
    sign_in(client, world.admin)
    assert client.get("/admin/people/999999").status_code == 404


# ---- deactivation ---------------------------------------------------------------------


def test_deactivating_ends_every_session_of_that_person_at_once(app, client, db, world):
    phone, laptop = signed_in(app, world.participant), signed_in(app, world.participant)
    sign_in(client, world.admin)
    response = post(client, f"/admin/people/{world.participant.id}/deactivate")
    assert response.status_code == 303
    assert lands_on_sign_in(phone) and lands_on_sign_in(laptop)
    open_sessions = db.exec(
        select(SignInSession).where(
            SignInSession.user_id == world.participant.id, SignInSession.revoked_at.is_(None)
        )
    ).all()
    assert open_sessions == []
    assert "account_deactivated" in actions(db, world.participant.id)


def test_a_deactivated_account_cannot_sign_in_and_gets_the_usual_message(app, client, world):
    sign_in(client, world.admin)
    post(client, f"/admin/people/{world.participant.id}/deactivate")
    other = app.test_client()
    response = post(other, "/signin", {"email": world.participant.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)


def test_an_administrator_signs_a_person_out_everywhere_and_the_account_stays(
    app, client, db, world
):
    phone = signed_in(app, world.facilitator)
    sign_in(client, world.admin)
    assert post(client, f"/admin/people/{world.facilitator.id}/sign-out").status_code == 303
    assert lands_on_sign_in(phone)
    db.refresh(world.facilitator)
    assert world.facilitator.active
    assert "signed_out_by_administrator" in actions(db, world.facilitator.id)
    sign_in(app.test_client(), world.facilitator)


def test_reactivating_lets_the_person_sign_in_again(app, client, db, world):
    sign_in(client, world.admin)
    post(client, f"/admin/people/{world.participant.id}/deactivate")
    assert post(client, f"/admin/people/{world.participant.id}/reactivate").status_code == 303
    sign_in(app.test_client(), world.participant)
    assert "account_reactivated" in actions(db, world.participant.id)


def test_the_last_active_administrator_cannot_deactivate_themselves(client, db, world):
    sign_in(client, world.admin)
    response = post(client, f"/admin/people/{world.admin.id}/deactivate")
    assert response.status_code == 409
    assert "only active administrator" in response.get_data(as_text=True)
    db.refresh(world.admin)
    assert world.admin.active


def test_with_a_second_administrator_one_may_step_down(client, db, world):
    world.add_person("second_admin", Role.admin)
    sign_in(client, world.admin)
    assert post(client, f"/admin/people/{world.admin.id}/deactivate").status_code == 303
    db.refresh(world.admin)
    assert not world.admin.active


def test_only_administrators_deactivate(client, db, world):
    sign_in(client, world.facilitator)
    assert post(client, f"/admin/people/{world.participant.id}/deactivate").status_code == 403
    db.refresh(world.participant)
    assert world.participant.active


# ---- leaving a cohort -----------------------------------------------------------------


def test_a_facilitator_removes_staff_from_their_cohort_and_their_sessions_end(
    app, client, db, world
):
    medical = signed_in(app, world.medical)
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.medical.id}/leave"
    assert "Remove Medical from Cohort A" in client.get(url).get_data(as_text=True)
    assert post(client, url).status_code == 303
    assert lands_on_sign_in(medical)
    assert db.exec(select(Membership).where(Membership.user_id == world.medical.id)).all() == []
    assert "staff_removed_from_cohort" in actions(db, world.medical.id)
    # Their account stays open for their other work.
    sign_in(app.test_client(), world.medical)


def test_another_cohorts_facilitator_cannot_remove_anyone(client, world):
    sign_in(client, world.other_facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.medical.id}/leave"
    assert post(client, url).status_code == 403


def test_a_person_not_in_the_cohort_is_not_found(client, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.people['other_cohort'].id}/leave"
    assert client.get(url).status_code == 404


def test_a_facilitator_cannot_remove_themselves(client, db, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.facilitator.id}/leave"
    assert post(client, url).status_code == 303
    assert db.exec(select(Membership).where(Membership.user_id == world.facilitator.id)).all()


def test_the_withdrawal_page_shows_the_participants_consents(client, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    page = client.get(url).get_data(as_text=True)
    assert "Their consents on file" in page
    assert "program evaluation" in page  # the research consent, not signed yet
    assert "not signed" in page


def test_withdrawal_needs_a_data_choice_and_keeps_what_was_typed(client, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    response = post(client, url, {"reason": "moving away"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose what happens to their data." in page
    assert "moving away" in page


def test_deleting_needs_the_export_to_have_been_offered(client, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    response = post(client, url, {"data_choice": "delete"})
    assert response.status_code == 422
    assert "confirm the journal export was offered" in response.get_data(as_text=True)


def test_withdrawing_and_keeping_data_ends_sessions_and_keeps_the_entries(app, client, db, world):
    entry = add_entry(db, world, world.participant)
    phone = signed_in(app, world.participant)
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    response = post(client, url, {"data_choice": "keep", "reason": "moving away"})
    assert response.status_code == 303
    assert lands_on_sign_in(phone)
    assert db.get(JournalEntry, entry) is not None
    db.refresh(world.participant)
    assert not world.participant.active  # their only cohort: nothing left to open
    [withdrawal] = db.exec(select(Withdrawal)).all()
    assert withdrawal.data_choice == "keep" and withdrawal.reason == "moving away"
    assert withdrawal.actor_id == world.facilitator.id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "participant_withdrawn")).one()
    assert event.subject_id == world.participant.id and event.object_id == "keep"


def test_the_withdrawal_reason_is_stored_encrypted(client, db, world):
    from sqlalchemy import text

    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    post(client, url, {"data_choice": "keep", "reason": "moving away"})
    stored = db.connection().execute(text("SELECT reason FROM withdrawal")).scalar_one()
    assert "moving away" not in stored


def test_withdrawing_and_deleting_data_deletes_it_and_the_name(app, client, db, world):
    entry = add_entry(db, world, world.participant)
    sign_in(client, world.admin)
    url = f"/team/cohorts/{world.cohort.id}/people/{world.participant.id}/leave"
    response = post(client, url, {"data_choice": "delete", "export_offered": "y"})
    assert response.status_code == 303
    assert response.location.endswith(f"/admin/people/{world.participant.id}")
    db.expire_all()
    assert db.get(JournalEntry, entry) is None
    person = db.get(User, world.participant.id)
    assert person.email.endswith("@accounts.invalid") and "Participant" not in person.display_name
    assert not person.active
    # The audit trail keeps the choice, by id.
    assert "participant_withdrawn" in actions(db, world.participant.id)
    # An erased account has nothing to reactivate.
    post(client, f"/admin/people/{world.participant.id}/reactivate")
    db.refresh(person)
    assert not person.active


def test_deleting_with_another_cohort_left_deletes_only_that_cohorts_data(client, db, world):
    person = world.participant
    db.add(Membership(user_id=person.id, cohort_id=world.other_cohort.id, role=Role.participant))
    db.commit()
    kept = add_entry(db, world, person, cohort=world.other_cohort)
    gone = add_entry(db, world, person)
    sign_in(client, world.admin)
    url = f"/team/cohorts/{world.cohort.id}/people/{person.id}/leave"
    post(client, url, {"data_choice": "delete", "export_offered": "y"})
    db.expire_all()
    assert db.get(JournalEntry, gone) is None
    assert db.get(JournalEntry, kept) is not None
    refreshed = db.get(User, person.id)
    assert refreshed.active and refreshed.email == "participant@example.test"


# ---- closing one's own account --------------------------------------------------------


def test_the_account_page_offers_a_participant_to_close_their_account(client, world):
    sign_in(client, world.participant)
    assert "Close my account" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/close").get_data(as_text=True)
    assert "Download all my entries" in page


def test_closing_needs_the_password(client, db, world):
    sign_in(client, world.participant)
    response = post(
        client,
        "/account/close",
        {"data_choice": "keep", "password": "not my password", "reason": "tired"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That is not your password." in page and "tired" in page
    db.refresh(world.participant)
    assert world.participant.active


def test_closing_and_deleting_ends_everything(app, client, db, world):
    entry = add_entry(db, world, world.participant)
    phone = signed_in(app, world.participant)
    sign_in(client, world.participant)
    response = post(
        client,
        "/account/close",
        {"data_choice": "delete", "export_offered": "y", "password": PASSWORD},
    )
    assert response.status_code == 303 and response.location.endswith("/signin")
    assert lands_on_sign_in(phone) and lands_on_sign_in(client)
    db.expire_all()
    assert db.get(JournalEntry, entry) is None
    [withdrawal] = db.exec(select(Withdrawal)).all()
    assert withdrawal.closed_own_account and withdrawal.data_choice == "delete"
    assert "account_closed" in actions(db, world.participant.id)


def test_closing_and_keeping_keeps_the_records(client, db, world):
    entry = add_entry(db, world, world.participant)
    sign_in(client, world.participant)
    post(client, "/account/close", {"data_choice": "keep", "password": PASSWORD})
    db.expire_all()
    assert db.get(JournalEntry, entry) is not None
    assert not db.get(User, world.participant.id).active


def test_staff_have_no_account_to_close_here(client, world):
    sign_in(client, world.facilitator)
    assert client.get("/account/close").status_code == 404
