"""The pages of notifications: a participant's reminder choices on the account page (off by
default, saved, kept when the quiet hours are refused), the cohort's alert addresses for
those who manage it, and both in French."""

from __future__ import annotations

from sqlmodel import select

from app.models import AlertContact, AuditEvent, ReminderChoice
from tests.conftest import post, sign_in


def test_every_reminder_is_off_until_the_participant_turns_it_on(client, db, world):
    sign_in(client, world.participant)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="reminders"' in page
    for name in (
        "checklist_open",
        "evening_before",
        "weekly_practice",
        "check_in_due",
        "by_push",
        "by_email",
        "several_a_day",
    ):
        assert f'name="{name}"' in page
        assert f'<input id="{name}" name="{name}" type="checkbox"' in page  # not checked
    assert 'value="21:00"' in page and 'value="08:00"' in page


def test_a_participant_saves_reminders_by_type_and_channel(client, db, world):
    sign_in(client, world.participant)
    answer = post(
        client,
        "/account/reminders",
        {
            "weekly_practice": "y",
            "check_in_due": "y",
            "by_email": "y",
            "quiet_from": "22:00",
            "quiet_until": "07:30",
        },
    )
    assert answer.status_code == 303 and answer.location.endswith("/account#reminders")
    choice = db.get(ReminderChoice, world.participant.id)
    db.refresh(choice)
    assert (choice.weekly_practice, choice.check_in_due, choice.checklist_open) == (
        True,
        True,
        False,
    )
    assert (choice.by_email, choice.by_push) == (True, False)
    assert (choice.quiet_from, choice.quiet_until) == ("22:00", "07:30")
    page = client.get("/account").get_data(as_text=True)
    assert "Your reminders are saved." in page
    assert '<input checked id="weekly_practice"' in page
    assert '<input id="checklist_open"' in page


def test_quiet_hours_that_are_not_times_change_nothing_and_say_why(client, db, world):
    sign_in(client, world.participant)
    post(client, "/account/reminders", {"by_email": "y", "weekly_practice": "y"})
    answer = post(client, "/account/reminders", {"quiet_from": "late", "quiet_until": "08:00"})
    assert answer.status_code == 303
    choice = db.get(ReminderChoice, world.participant.id)
    db.refresh(choice)
    assert choice.weekly_practice is True
    page = client.get("/account").get_data(as_text=True)
    assert "Your reminders were not changed" in page


def test_staff_see_their_devices_but_no_participant_reminders(client, world):
    sign_in(client, world.medical)
    page = client.get("/account").get_data(as_text=True)
    assert "Notifications on your devices" in page
    assert "urgent safety flags" in page
    assert 'id="reminders"' not in page


def test_the_account_page_speaks_french(client, db, world):
    world.participant.preferred_locale = "fr_CA"
    db.add(world.participant)
    db.commit()
    sign_in(client, world.participant)
    page = client.get("/account").get_data(as_text=True)
    assert "Rappels" in page and "Heures calmes" in page
    assert "Notifications sur vos appareils" in page


def test_facilitators_who_manage_the_cohort_add_and_remove_alert_addresses(client, db, world):
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/alert-contacts"
    assert "No addresses yet" in client.get(url).get_data(as_text=True)
    answer = post(client, url, {"purpose": "on_call", "email": "OnCall@Clinic.example.org "})
    assert answer.status_code == 303
    again = post(client, url, {"purpose": "on_call", "email": "oncall@clinic.example.org"})
    assert "already on the list" in client.get(again.location).get_data(as_text=True)
    [contact] = db.exec(select(AlertContact)).all()
    assert (contact.email, contact.purpose, contact.added_by_id) == (
        "oncall@clinic.example.org",
        "on_call",
        world.facilitator.id,
    )
    page = client.get(url).get_data(as_text=True)
    assert "oncall@clinic.example.org" in page and "On call: told at once" in page
    post(client, f"{url}/{contact.id}/remove")
    assert db.exec(select(AlertContact)).all() == []
    actions = [
        e.action
        for e in db.exec(select(AuditEvent).where(AuditEvent.action.like("alert_contact_%")))
    ]
    assert actions == ["alert_contact_added", "alert_contact_removed"]


def test_a_bad_alert_address_is_refused_with_422_and_kept_in_the_form(client, world):
    sign_in(client, world.facilitator)
    answer = post(
        client,
        f"/team/cohorts/{world.cohort.id}/alert-contacts",
        {"purpose": "escalation", "email": "not an address"},
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Please enter an email address such as" in page
    assert 'value="not an address"' in page


def test_an_address_of_another_cohort_cannot_be_removed(client, db, world):
    contact = AlertContact(cohort_id=world.other_cohort.id, purpose="on_call", email="x@y.test")
    db.add(contact)
    db.commit()
    sign_in(client, world.facilitator)
    answer = post(client, f"/team/cohorts/{world.cohort.id}/alert-contacts/{contact.id}/remove")
    assert answer.status_code == 404


def test_the_cohort_page_links_to_its_alert_addresses_for_those_who_manage_it(client, world):
    sign_in(client, world.facilitator)
    page = client.get(f"/team/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert f"/team/cohorts/{world.cohort.id}/alert-contacts" in page
