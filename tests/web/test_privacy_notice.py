"""The privacy notice: readable before signing in, linked from enrolment, the account page and
every consent page; it says what is stored and where, for how long (RETENTION_YEARS), who sees
what, how to see and correct your data, and whom to ask (PRIVACY_CONTACT, or the team)."""

from __future__ import annotations

import html
import pathlib

import pytest

from tests.conftest import post, sign_in

ROOT = pathlib.Path(__file__).resolve().parents[2]


def page_of(client, url: str, locale: str = "en") -> str:
    post(client, "/language", {"locale": locale})
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    return html.unescape(text[text.index('<main id="main"') :])


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_notice_is_readable_signed_out_and_marked_draft(app, locale):
    page = page_of(app.test_client(), "/privacy", locale)
    heading = {"en": "How Tend looks after your information", "fr_CA": "Comment Tend"}[locale]
    assert heading in page
    draft = {"en": "Draft for the program’s review", "fr_CA": "Ébauche"}[locale]
    assert draft in page


def test_it_says_what_is_stored_where_and_who_sees_what(app):
    page = page_of(app.test_client(), "/privacy")
    for said in (
        "encrypted",
        "journal",
        "Administrators",
        "your name and the flag’s label",
        "coded",
        "research consent",
        "Download all my entries",
    ):
        assert said in page, said
    assert "de-identified" not in page.lower()


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_the_retention_period_is_the_setting(make_app, locale):
    page = page_of(make_app(retention_years=9).test_client(), "/privacy", locale)
    assert {"en": "9 years", "fr_CA": "9 ans"}[locale] in page


def test_the_privacy_contact_is_shown_when_set_otherwise_the_team(app, make_app):
    assert "ask your program team" in page_of(app.test_client(), "/privacy")
    configured = make_app(privacy_contact="privacy@program.example")
    page = page_of(configured.test_client(), "/privacy")
    assert "privacy@program.example" in page and "ask your program team" not in page


def test_the_contact_is_shown_as_text_not_markup(make_app):
    configured = make_app(privacy_contact="<b>Ana</b>")
    raw = configured.test_client().get("/privacy").get_data(as_text=True)
    assert "<b>Ana</b>" not in raw and "&lt;b&gt;Ana&lt;/b&gt;" in raw


def test_enrolment_links_to_the_notice(app):
    assert 'href="/privacy"' in app.test_client().get("/enrol").get_data(as_text=True)


def test_the_account_page_and_every_consent_page_link_to_it(app, world):
    client = app.test_client()
    sign_in(client, world.participant)
    assert 'href="/privacy"' in client.get("/account").get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/consent").get_data(as_text=True)
    for document_id in ("treatment", "confidentiality", "touch", "sharing", "research"):
        page = client.get(f"/consent/{document_id}").get_data(as_text=True)
        assert 'href="/privacy"' in page, document_id


NOT_CODED = ("de-identif", "désidentif", "dé-identif")


def test_exports_are_never_called_de_identified_in_the_interface():
    said = [
        path
        for folder in ("templates", "translations")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".html", ".po", ".pot")
        and any(word in path.read_text(encoding="utf-8").lower() for word in NOT_CODED)
    ]
    assert said == []
