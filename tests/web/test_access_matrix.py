"""Who may open what: every route of the app, as every role, with the answer each must get.

The routes are read from the app's url_map, so a route added without a row in MATRIX fails
here until someone decides, on purpose, who may open it.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.access import PUBLIC_ENDPOINTS
from app.auth.services import create_invites
from app.models import Role
from tests.conftest import csrf_token, post, sign_in
from tests.web.routes import ROUTES, app_routes, request_route, route_url

# The wider team of the world's cohort: a therapist (whose account acts as a facilitator's),
# a somatic practitioner and a knowledge keeper. Deny by default: unless WIDER_TEAM says
# otherwise, a therapist answers as a facilitator does and the other two are refused (403).
WIDER_ROLES = ("therapist", "somatic", "knowledge_keeper")
ROLES = (
    "signed_out",
    "participant",
    "facilitator",
    "other_facilitator",
    "medical",
    "admin",
    *WIDER_ROLES,
)
TO_SIGN_IN = "redirect to sign-in"
TO_HOME = "redirect home"


def row(signed_out, participant, facilitator, other_facilitator, medical, admin) -> dict:
    answers = (signed_out, participant, facilitator, other_facilitator, medical, admin)
    return {
        **dict(zip(ROLES, answers, strict=False)),
        "therapist": facilitator,
        "somatic": 403,
        "knowledge_keeper": 403,
    }


def everyone(answer) -> dict:
    return dict.fromkeys(ROLES, answer)


def signed_in_only(answer) -> dict:
    return {**everyone(answer), "signed_out": TO_SIGN_IN}


# (endpoint, method) → role → answer. POSTs carry a valid CSRF token and nothing else, so a
# view that lets the person in answers with its validation page (422) or its redirect.
MATRIX = {
    ("static", "GET"): everyone(200),
    ("core.healthz", "GET"): everyone(200),
    ("core.help_page", "GET"): everyone(200),
    # The privacy notice is read before enrolling, so it is open to everyone.
    ("core.privacy_notice", "GET"): everyone(200),
    ("core.switch_language", "POST"): everyone(303),
    ("csp.report", "POST"): everyone(204),
    # Quick exit's beacon: ends the session when there is one, and says nothing either way.
    ("auth.quick_exit", "POST"): everyone(204),
    ("pwa.manifest", "GET"): everyone(200),
    ("pwa.service_worker", "GET"): everyone(200),
    ("pwa.offline", "GET"): everyone(200),
    ("auth.sign_in", "GET"): {**everyone(TO_HOME), "signed_out": 200},
    ("auth.sign_in", "POST"): {**everyone(TO_HOME), "signed_out": 422},
    ("auth.enrol", "GET"): {**everyone(TO_HOME), "signed_out": 200},
    ("auth.enrol", "POST"): {**everyone(TO_HOME), "signed_out": 422},
    ("auth.sign_out", "POST"): everyone(TO_SIGN_IN),
    ("auth.sign_out_everywhere", "POST"): everyone(TO_SIGN_IN),
    ("auth.account", "GET"): signed_in_only(200),
    # A forgotten password: open to everyone signed out; a reset link's page answers anyone
    # (without a valid link it explains, and a post is refused).
    ("auth.forgot_password", "GET"): {**everyone(TO_HOME), "signed_out": 200},
    ("auth.forgot_password", "POST"): {**everyone(TO_HOME), "signed_out": 422},
    ("auth.reset_password", "GET"): everyone(200),
    ("auth.reset_password", "POST"): everyone(422),
    # Closing one's own account is for participants; nobody else has one to close here.
    ("auth.close_account", "GET"): row(TO_SIGN_IN, 200, 404, 404, 404, 404),
    ("auth.close_account", "POST"): row(TO_SIGN_IN, 422, 404, 404, 404, 404),
    ("auth.change_password", "POST"): signed_in_only(422),
    ("home.index", "GET"): signed_in_only(200),
    # The second-factor step is open only between the password and the factor: to anyone
    # signed out it is the sign-in page, to anyone signed in it leads home (or, for its JSON
    # calls, says to sign in again). Setting factors up is anyone's own.
    ("second_factor.challenge", "GET"): {**everyone(TO_HOME), "signed_out": TO_SIGN_IN},
    ("second_factor.verify_code", "POST"): {**everyone(TO_HOME), "signed_out": TO_SIGN_IN},
    ("second_factor.verify_recovery", "POST"): {**everyone(TO_HOME), "signed_out": TO_SIGN_IN},
    ("second_factor.passkey_options", "POST"): signed_in_only(409),
    ("second_factor.verify_passkey", "POST"): signed_in_only(409),
    ("second_factor.setup", "GET"): signed_in_only(200),
    ("second_factor.setup_app", "GET"): signed_in_only(200),
    ("second_factor.setup_app", "POST"): signed_in_only(422),
    ("second_factor.passkey_registration_options", "POST"): signed_in_only(200),
    ("second_factor.register_passkey", "POST"): signed_in_only(400),
    ("second_factor.manage", "GET"): signed_in_only(200),
    ("second_factor.remove_passkey", "POST"): signed_in_only(404),
    ("second_factor.remove_app", "POST"): signed_in_only(303),
    ("second_factor.recovery_codes", "GET"): signed_in_only(303),
    ("second_factor.recovery_codes", "POST"): signed_in_only(303),
    ("facilitator.cohort_overview", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    ("facilitator.invites", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 200),
    ("facilitator.invites", "POST"): row(TO_SIGN_IN, 403, 422, 403, 403, 422),
    ("facilitator.print_invites", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 200),
    ("facilitator.revoke", "POST"): row(TO_SIGN_IN, 403, 303, 403, 403, 303),
    ("admin.new_cohort", "GET"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    ("admin.new_cohort", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 422),
    ("admin.people", "GET"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    ("admin.people", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    ("admin.person", "GET"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    ("admin.deactivate", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 303),
    ("admin.reactivate", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 303),
    ("admin.sign_out_everywhere", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 303),
    ("admin.issue_reset_link", "POST"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    ("admin.audit_log", "GET"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    # Leaving a cohort: its facilitators and admins decide (a withdrawal needs its data choice).
    ("facilitator.leave_cohort", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 200),
    ("facilitator.leave_cohort", "POST"): row(TO_SIGN_IN, 403, 422, 403, 403, 422),
    # Content for the team: medical leads read, only facilitators and admins change.
    ("facilitator.cohort_content", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    ("facilitator.cohort_content", "POST"): row(TO_SIGN_IN, 403, 303, 403, 403, 303),
    ("facilitator.preview_week", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    # A participant's own weeks and practices: nobody else's pages, not even an admin's.
    ("practices.this_week", "GET"): row(TO_SIGN_IN, 302, 403, 403, 403, 403),
    ("practices.all_weeks", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("practices.week", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("practices.practice", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("practices.mark_done", "POST"): row(TO_SIGN_IN, 400, 403, 403, 403, 403),
    ("practices.save_note", "POST"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    # Regulation exercises are public (needed most when signed out or offline); keeping a
    # record of how one felt is a participant's own.
    ("exercises.library", "GET"): everyone(200),
    ("exercises.exercise", "GET"): everyone(200),
    ("pwa.outbox_session", "GET"): everyone(200),
    # The outbox's sealing key is each signed-in person's own.
    ("pwa.outbox_seal_key", "GET"): signed_in_only(200),
    ("exercises.record", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("exercises.record", "POST"): row(TO_SIGN_IN, 422, 403, 403, 403, 403),
    ("exercises.save_from_player", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("exercises.history", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    # The journal is the participant's own; an entry id that is not theirs is simply not found.
    ("journal.entries", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("journal.search", "POST"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("journal.search", "GET"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    ("journal.new_entry", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("journal.new_entry", "POST"): row(TO_SIGN_IN, 422, 403, 403, 403, 403),
    ("journal.entry", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.edit_entry", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.edit_entry", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.resolve_conflict", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.change_sharing", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.delete_entry", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.delete_entry", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.discard_changes", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("journal.autosave", "POST"): row(TO_SIGN_IN, 422, 403, 403, 403, 403),
    ("journal.group", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("journal.export_markdown", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("journal.export_as_json", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    # The reading room is for facilitators of the group; medical leads and admins never read.
    ("facilitator.reflections", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 403),
    ("facilitator.reading_room_week", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 403),
    ("facilitator.mark_reflection_read", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 403),
    ("facilitator.follow_up", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 403),
    # Questionnaires are the participant's own; a response id not theirs is not found.
    ("questionnaires.index", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("questionnaires.start", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("questionnaires.page", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("questionnaires.page", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("questionnaires.done", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("questionnaires.support_for", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("questionnaires.results", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("questionnaires.toggle_numbers", "POST"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    ("questionnaires.support_now", "POST"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    # Safety flags: the cohort's facilitators and medical team; admins see only what is overdue.
    ("facilitator.flags", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("facilitator.acknowledge_flag", "POST"): row(TO_SIGN_IN, 403, 404, 403, 404, 403),
    ("facilitator.follow_up_flag", "POST"): row(TO_SIGN_IN, 403, 404, 403, 404, 403),
    ("facilitator.overdue_flags", "GET"): row(TO_SIGN_IN, 403, 403, 403, 403, 200),
    # Session days: a participant's consents, checklists and calendar are their own; the
    # world's cohort has no session 999999, so those answer 404 for its participant.
    ("sessions.consents", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("sessions.consent_document", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("sessions.consent_document", "POST"): row(TO_SIGN_IN, 422, 403, 403, 403, 403),
    # Nothing on file yet: both answer by going back to the consents, with a word why.
    ("sessions.withdraw_consent", "GET"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    ("sessions.withdraw_consent", "POST"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    ("sessions.signed_copy", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.pre_session_checklist", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.pre_session_checklist", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.checklist_result", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.checklist_support", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.after_session", "GET"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.after_session", "POST"): row(TO_SIGN_IN, 404, 403, 403, 403, 403),
    ("sessions.calendar_settings", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("sessions.calendar_settings", "POST"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    ("sessions.calendar_feed", "GET"): everyone(404),
    ("facilitator.timeline", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    ("facilitator.timeline", "POST"): row(TO_SIGN_IN, 403, 303, 403, 403, 303),
    ("facilitator.readiness_board", "GET"): row(TO_SIGN_IN, 403, 404, 403, 404, 403),
    # The clinician's review is the medical team's alone (session 999999 is not found).
    ("facilitator.clinician_review", "GET"): row(TO_SIGN_IN, 403, 403, 403, 404, 403),
    ("facilitator.clinician_review", "POST"): row(TO_SIGN_IN, 403, 403, 403, 404, 403),
    ("facilitator.outcomes", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("facilitator.outcomes_export", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("facilitator.open_extra_administration", "POST"): row(TO_SIGN_IN, 403, 303, 403, 403, 403),
    # Notifications: reminders are a participant's own; devices are anyone's own (a post with
    # no subscription is refused); alert addresses are for those who manage the cohort; the
    # development mail page exists only where mail does not really leave (as in the tests).
    ("notifications.save_reminders", "POST"): row(TO_SIGN_IN, 303, 403, 403, 403, 403),
    ("notifications.add_device", "POST"): signed_in_only(400),
    ("notifications.remove_device", "POST"): signed_in_only(303),
    ("notifications.alert_contacts", "GET"): row(TO_SIGN_IN, 403, 200, 403, 403, 200),
    ("notifications.alert_contacts", "POST"): row(TO_SIGN_IN, 403, 422, 403, 403, 422),
    ("notifications.remove_alert_contact", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("notifications.dev_mail", "GET"): signed_in_only(200),
    ("notifications.dev_mail_html", "GET"): signed_in_only(404),
    # Meetings: the team reads them, facilitators and admins change them; attendance is the
    # team's to take (meeting 999999 is not found); a participant's page is their own.
    ("meetings.cohort_meetings", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    ("meetings.cohort_meetings", "POST"): row(TO_SIGN_IN, 403, 422, 403, 403, 422),
    ("meetings.edit_meeting", "GET"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("meetings.edit_meeting", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("meetings.remove_meeting", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("meetings.change_week", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("meetings.undo_change", "POST"): row(TO_SIGN_IN, 403, 404, 403, 403, 404),
    ("meetings.attendance", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 200),
    ("meetings.take_attendance", "GET"): row(TO_SIGN_IN, 403, 404, 403, 404, 404),
    ("meetings.take_attendance", "POST"): row(TO_SIGN_IN, 403, 404, 403, 404, 404),
    ("meetings.my_meetings", "GET"): row(TO_SIGN_IN, 200, 403, 403, 403, 403),
    # Evaluation exports: those who may see outcomes, as for the outcomes page.
    ("exports.evaluation_exports", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("exports.redcap_dictionary", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("exports.redcap_events", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("exports.redcap_mapping", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("exports.redcap_records", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
    ("exports.fhir_bundle", "GET"): row(TO_SIGN_IN, 403, 200, 403, 200, 403),
}

# Where the wider team's answer is not the default above, on purpose.
# Somatic practitioners and knowledge keepers: the cohort's meetings, its attendance (a knowledge
# keeper takes it only where the cohort allows; meeting 999999 is not found) and its program
# content, read only. Never questionnaires, flags, journals, the board, outcomes or exports.
READS = {"somatic": 200, "knowledge_keeper": 200}
NOT_FOUND = {"somatic": 404, "knowledge_keeper": 404}
WIDER_TEAM = {
    ("meetings.cohort_meetings", "GET"): READS,
    ("meetings.attendance", "GET"): READS,
    ("meetings.take_attendance", "GET"): NOT_FOUND,
    ("meetings.take_attendance", "POST"): NOT_FOUND,
    ("facilitator.cohort_content", "GET"): READS,
    ("facilitator.preview_week", "GET"): READS,
    # Closing one's own account is a participant's page: to every staff role it is not there.
    ("auth.close_account", "GET"): NOT_FOUND,
    ("auth.close_account", "POST"): NOT_FOUND,
}
for (_endpoint, _method), _answer in WIDER_TEAM.items():
    MATRIX[(_endpoint, _method)] = {**MATRIX[(_endpoint, _method)], **_answer}

PUBLIC_ALLOW_LIST = {
    "auth.sign_in",
    "auth.enrol",
    # Quick exit must work from any page, and ends a session only when there is one.
    "auth.quick_exit",
    # Browsers report policy violations without signing in.
    "csp.report",
    "auth.forgot_password",
    "auth.reset_password",
    "core.healthz",
    "core.help_page",
    # Read before enrolling: what Tend keeps and who sees it.
    "core.privacy_notice",
    "core.switch_language",
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.offline",
    "pwa.outbox_session",
    "exercises.library",
    "exercises.exercise",
    "sessions.calendar_feed",
    "static",
}


@pytest.fixture
def wider_world(world):
    world.add_person("therapist", Role.facilitator, world.cohort, cohort_role=Role.therapist)
    world.add_person("somatic", Role.somatic, world.cohort)
    world.add_person("knowledge_keeper", Role.knowledge_keeper, world.cohort)
    return world


def assert_answer(response, expected, method: str) -> None:
    if expected == TO_SIGN_IN:
        assert response.status_code == (303 if method == "POST" else 302)
        assert urlsplit(response.location).path == "/signin"
    elif expected == TO_HOME:
        assert response.status_code in (302, 303)
        assert urlsplit(response.location).path == "/"
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:400]


def test_every_route_of_the_app_has_a_row_in_the_access_matrix(app):
    routes = app_routes(app)
    assert routes - MATRIX.keys() == set(), "new routes need a row in MATRIX"
    assert MATRIX.keys() - routes == set(), "MATRIX lists routes the app no longer has"


def test_the_public_allow_list_is_short_and_deliberate():
    assert PUBLIC_ENDPOINTS == PUBLIC_ALLOW_LIST


def test_signed_out_people_reach_only_the_public_allow_list():
    reachable = {
        endpoint for (endpoint, _), answers in MATRIX.items() if answers["signed_out"] != TO_SIGN_IN
    }
    assert reachable == PUBLIC_ALLOW_LIST


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method"), ROUTES)
# The route tables run once, on the run's one app: the same code decides on either database,
# and the queries behind each decision have their own tests on both.
@pytest.mark.any_database
@pytest.mark.shared_app
def test_each_route_answers_each_role_as_the_matrix_says(
    app, client, wider_world, invite, endpoint, method, role
):
    world = wider_world
    assert (endpoint, method) in MATRIX, f"{method} {endpoint} has no row in the access matrix"
    if role != "signed_out":
        sign_in(client, getattr(world, role))
    response = request_route(client, route_url(app, endpoint, world, invite), method)
    assert_answer(response, MATRIX[(endpoint, method)][role], method)


SIGN_IN_ONLY_ROUTES = [route for route in ROUTES if route[0] not in PUBLIC_ALLOW_LIST]


@pytest.mark.parametrize(("endpoint", "method"), SIGN_IN_ONLY_ROUTES)
@pytest.mark.any_database
@pytest.mark.shared_app
def test_signed_out_htmx_requests_get_401_with_hx_redirect_to_sign_in(
    app, client, world, invite, endpoint, method
):
    url = route_url(app, endpoint, world, invite)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(client)}
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/signin"
    assert "<html" not in response.get_data(as_text=True)


def test_a_facilitator_cannot_revoke_another_cohorts_invite_through_their_own_cohort(
    client, db, world
):
    [foreign] = create_invites(
        db,
        world.other_facilitator,
        world.other_cohort.id,
        count=1,
        small_group_id=None,
        valid_for=timedelta(days=14),
    )
    sign_in(client, world.facilitator)
    url = f"/team/cohorts/{world.cohort.id}/invites/{foreign.id}/revoke"
    assert post(client, url).status_code == 404
    db.refresh(foreign)
    assert foreign.revoked_at is None


def test_a_cohort_that_does_not_exist_is_not_found_even_for_an_admin(client, world):
    sign_in(client, world.admin)
    assert client.get("/team/cohorts/987654").status_code == 404


def test_a_participant_opening_a_facilitator_page_gets_the_403_page(client, world):
    sign_in(client, world.participant)
    response = client.get(f"/team/cohorts/{world.cohort.id}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "This page is not open to you" in page
    assert '<html lang="en"' in page
