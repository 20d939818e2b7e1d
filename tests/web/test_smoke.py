"""The first promises: the app answers, and a person can sign in and see their week."""

from tests.conftest import sign_in


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_participant_sees_week_three_after_signing_in(client, world):
    sign_in(client, world.participant)
    page = client.get("/").get_data(as_text=True)
    assert "Week 3 of 12" in page
    assert "Cohort A" in page
