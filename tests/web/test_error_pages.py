"""Error pages: in the layout and the reader's language, kind, and never a stack trace."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import event
from sqlmodel import select

from app import create_app
from app.models import User
from tests.conftest import PASSWORD, csrf_token, post, sign_in

DOWN = "sqlite:////nonexistent-folder-for-tend-tests/tend.sqlite3"


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def assert_error_page(response, code: int, words: str, lang: str = "en") -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert html_tag(page) == f'<html lang="{lang}" dir="ltr">'
    assert words in page
    assert f"Error code: {code}" in page
    assert 'class="quick-exit"' in page  # the layout, with its safety controls
    assert "Traceback" not in page


def test_an_unknown_address_gets_the_404_page(client):
    assert_error_page(client.get("/no-such-page"), 404, "We could not find that page")


def test_the_404_page_speaks_the_readers_language(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "fr-CA"})
    assert response.status_code == 404
    assert html_tag(response.get_data(as_text=True)) == '<html lang="fr-CA" dir="ltr">'


def test_a_participant_on_an_admin_page_gets_the_403_page(client, world):
    sign_in(client, world.participant)
    assert_error_page(client.get("/admin/people"), 403, "This page is not open to you")


def test_a_get_on_a_post_only_address_gets_the_405_page(client):
    assert_error_page(client.get("/signout"), 405, "That action is not available here")


def test_a_refused_csrf_token_gets_the_400_page_in_the_layout(client):
    response = client.post("/language", data={"locale": "fr_CA"})
    assert_error_page(response, 400, "nothing was saved")


def test_the_400_page_keeps_the_readers_language(client):
    response = client.post("/language", data={"locale": "en"}, headers={"Accept-Language": "fr-CA"})
    assert response.status_code == 400
    assert html_tag(response.get_data(as_text=True)) == '<html lang="fr-CA" dir="ltr">'


def test_a_body_over_the_configured_size_gets_the_413_page_and_changes_nothing(make_app, db, world):
    client = make_app(max_content_length=2048).test_client()
    token = csrf_token(client)
    data = {
        "csrf_token": token,
        "code": "ABCD-EFGH-JKMN",
        "display_name": "x" * 4000,
        "email": "big@example.org",
        "password": "a long enough phrase",
    }
    response = client.post("/enrol", data=data)
    assert_error_page(response, 413, "more than we can take in at once")
    assert db.exec(select(User).where(User.email == "big@example.org")).first() is None


def test_a_body_under_the_configured_size_is_read(make_app, world):
    client = make_app(max_content_length=2048).test_client()
    response = post(client, "/signin", {"email": world.participant.email, "password": PASSWORD})
    assert response.status_code == 303


def test_an_unexpected_error_gets_the_500_page_without_the_details(app, client, world):
    def explode():
        raise RuntimeError("secret internals of the failure")

    app.add_url_rule("/explode", "explode", explode)
    sign_in(client, world.participant)
    response = client.get("/explode")
    assert_error_page(response, 500, "Something went wrong on our side")
    assert "secret internals" not in response.get_data(as_text=True)


@pytest.fixture
def down_app():
    """The app pointed at a database that cannot be opened."""
    application = create_app({"database_url": DOWN})
    yield application
    application.extensions["tend_engine"].dispose()


def test_healthz_answers_503_when_the_database_is_down(down_app):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "ok" not in response.get_data(as_text=True)


def test_signing_in_while_the_database_is_down_gets_the_503_page(down_app):
    client = down_app.test_client()
    response = post(client, "/signin", {"email": "a@example.org", "password": "whatever it is"})
    assert_error_page(response, 503, "We cannot reach our database right now")


def test_a_signed_in_page_while_the_database_is_down_gets_the_503_page(client, world, down_app):
    sign_in(client, world.participant)
    cookie = client.get_cookie("tend").value
    browser = down_app.test_client()
    browser.set_cookie("tend", cookie)
    response = browser.get("/")
    assert_error_page(response, 503, "Tend is resting for a moment")
    assert "data-signed-in" not in response.get_data(as_text=True)


def test_a_save_that_meets_a_locked_database_mid_request_gets_the_503_page(app, client, world):
    """The database went away after the sign-in was read: the failed write leaves the request's
    session needing a rollback, and the error page must not reach for the database again."""
    sign_in(client, world.participant)
    engine = app.extensions["tend_engine"]
    # The driver's own error, as SQLite's "database is locked" or a cut PostgreSQL connection.
    driver_error = engine.dialect.loaded_dbapi.OperationalError

    def locked(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO JOURNAL_ENTRY"):
            raise driver_error("database is locked")

    event.listen(engine, "before_cursor_execute", locked)
    try:
        response = post(client, "/journal/new", {"client_uuid": str(uuid.uuid4()), "body": "x"})
    finally:
        event.remove(engine, "before_cursor_execute", locked)
    assert_error_page(response, 503, "Tend is resting for a moment")
