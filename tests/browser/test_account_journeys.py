"""Account lifecycle in Chromium: a deactivated person's other browser is signed out at its
next request, a forgotten password is reset through the development mail page in French, and
every new page is axe-clean at 390 and 1280 px in English and French."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from app.auth.passwords import hash_password
from app.models import Cohort, Membership, Role, SmallGroup, User
from app.notifications import delivery
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page, sign_in

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
PASSWORD = "a calm lake at dawn"
LAPTOP = {"viewport": {"width": 1280, "height": 900}, "screen": {"width": 1280, "height": 900}}
# Home, or the consents a new participant is asked for first.
SIGNED_IN = re.compile(r"/(consent)?$")
DESKTOP = {**LAPTOP, "is_mobile": False, "has_touch": False}


def new_participant(live_server, name: str) -> tuple[str, int]:
    """A participant of the demo cohort of this test's own, so no other journey is touched."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    with Session(live_server.app.extensions["tend_engine"]) as db:
        cohort = db.exec(select(Cohort)).first()
        group = db.exec(select(SmallGroup).where(SmallGroup.cohort_id == cohort.id)).first()
        person = User(
            email=email,
            display_name=name,
            password_hash=hash_password(PASSWORD),
            role="participant",
        )
        db.add(person)
        db.flush()
        db.add(
            Membership(
                user_id=person.id,
                cohort_id=cohort.id,
                small_group_id=group.id,
                role=Role.participant,
            )
        )
        db.commit()
        return email, person.id


def cohort_id(live_server) -> int:
    with Session(live_server.app.extensions["tend_engine"]) as db:
        return db.exec(select(Cohort.id)).first()


def test_a_deactivated_participants_other_browser_lands_on_sign_in(pages, live_server):
    email, person_id = new_participant(live_server, "Avery")
    phone = pages.page()
    sign_in_any(phone, email, PASSWORD)

    admin = pages.page(**DESKTOP)
    sign_in(admin, ADMIN, DEMO_PASSWORD, audit=False)
    admin.get_by_role("navigation").get_by_role("link", name="People").first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("People")
    admin.get_by_label("Name or email").fill(email)
    admin.get_by_role("button", name="Show").click()
    expect(admin.get_by_role("status")).to_have_text("1 account")
    admin.get_by_role("link", name="Avery").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Avery")
    check_page(admin)
    admin.get_by_role("button", name="Deactivate the account").click()
    expect(admin.get_by_text("Avery is deactivated and signed out everywhere.")).to_be_visible()
    check_page(admin)

    # The phone's next request: the sign-in page, not the page it asked for.
    phone.get_by_role("link", name="Account").first.click()
    expect(phone).to_have_url(re.compile(r"/signin$"))
    phone.go_back()
    phone.reload()
    expect(phone).to_have_url(re.compile(r"/signin$"))

    admin.get_by_role("button", name="Reactivate the account").click()
    expect(admin.get_by_text("Avery can sign in again.")).to_be_visible()
    sign_in_any(phone, email, PASSWORD)


def test_a_forgotten_password_is_reset_through_the_mail_page_in_french(pages, live_server):
    email, _ = new_participant(live_server, "Noor")
    phone = pages.page(locale="fr-CA")
    phone.goto("/signin")
    expect(phone.locator("html")).to_have_attribute("lang", "fr-CA")
    phone.get_by_role("link", name="Mot de passe oublié\u202f?").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    check_page(phone)
    phone.get_by_label("Courriel").fill(email)
    phone.get_by_role("button", name="Envoyer le lien").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Consultez vos courriels")
    check_page(phone)

    # The worker's pass, as `flask worker` would run it beside the server.
    with live_server.app.app_context():
        delivery.run_once(live_server.app)

    mailroom = pages.page(**DESKTOP)
    sign_in(mailroom, ADMIN, DEMO_PASSWORD, audit=False)
    mailroom.goto("/dev/mail")
    message = (
        mailroom.locator("article, li, section")
        .filter(has_text=email)
        .filter(has_text="choisir un nouveau mot de passe")
    )
    expect(message.first).to_be_visible()
    found = re.search(r"https?://\S+(/password/reset\?token=[\w-]+)", message.first.inner_text())
    assert found, "the French email should hold the reset link"
    # The link's address is BASE_URL's; this server listens elsewhere, so only its path.
    link = found.group(1)

    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/password/reset$"))  # the token left the address
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    check_page(phone)
    phone.get_by_label("Nouveau mot de passe").fill("court")
    phone.get_by_role("button", name="Définir le nouveau mot de passe").click()
    expect(phone.get_by_text("Au moins 10 caractères", exact=False).first).to_be_visible()
    phone.get_by_label("Nouveau mot de passe").fill("une rivière de pierres calmes")
    phone.get_by_role("button", name="Définir le nouveau mot de passe").click()
    expect(phone).to_have_url(re.compile(r"/signin$"))
    expect(phone.get_by_text("Votre nouveau mot de passe est défini.")).to_be_visible()
    check_page(phone)
    phone.get_by_label("Courriel").fill(email)
    phone.get_by_label("Mot de passe").fill("une rivière de pierres calmes")
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone).to_have_url(SIGNED_IN)

    # The link works once.
    other = pages.page(locale="fr-CA")
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Ce lien ne fonctionne plus")
    check_page(other)


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
@pytest.mark.parametrize("width", [390, 1280])
def test_every_new_page_is_axe_clean(pages, live_server, locale, width):
    size = {"width": width, "height": 900}
    options = {"locale": locale, "viewport": size, "screen": size}
    if width > 600:
        options.update(is_mobile=False, has_touch=False)
    lang = "fr-CA" if locale.startswith("fr") else "en"
    email, person_id = new_participant(live_server, "Sasha")

    admin = pages.page(**options)
    sign_in_any(admin, ADMIN, DEMO_PASSWORD)
    expect(admin.locator("html")).to_have_attribute("lang", lang)
    for path in (
        "/admin/people",
        f"/admin/people/{person_id}",
        "/admin/audit",
        f"/team/cohorts/{cohort_id(live_server)}/people/{person_id}/leave",
    ):
        admin.goto(path)
        check_page(admin)
    # The one-time link an administrator hands over: shown once, wrapped on a phone.
    admin.goto(f"/admin/people/{person_id}")
    admin.locator(f"form[action='/admin/people/{person_id}/reset-link'] button").click()
    expect(admin.locator(".reset-link code")).to_contain_text("/password/reset?token=")
    check_page(admin)
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    participant = pages.page(**options)
    sign_in_any(participant, email, PASSWORD)
    participant.goto("/account/close")
    check_page(participant)

    visitor = pages.page(**options)
    for path in ("/password/forgot", "/password/reset"):
        visitor.goto(path)
        check_page(visitor)


def sign_in_any(page: Page, email: str, password: str) -> None:
    """Sign in whatever the page's language (the helper expects English)."""
    page.goto("/signin")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/signin'] button[type=submit]").click()
    expect(page).to_have_url(SIGNED_IN)
