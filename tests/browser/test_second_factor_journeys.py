"""Second-factor journeys in Chromium at phone size, in English and French: a passkey made and
used with a virtual authenticator (DevTools protocol), and an authenticator app set up and
used with codes computed by pyotp. Each page on the way is checked with axe."""

from __future__ import annotations

import re
import secrets
import time

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from app.auth.passwords import hash_password
from app.models import Role, User
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.helpers import check_page

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "locale": "en-CA",
        "lang": "en",
        "banner": "Second factor not set.",
        "setup": "Set up a second factor",
        "codes": "Recovery codes",
        "shown": "Your recovery codes",
        "step": "One more step",
        "app": "Set up an authenticator app",
        "code_label": "6-digit code from your authenticator app",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "email": "Email",
        "password": "Password",
        "remove": "Remove the passkey {name}",
        "kept": "Team accounts always keep a second factor",
    },
    "fr_CA": {
        "locale": "fr-CA",
        "lang": "fr-CA",
        "banner": "Deuxième facteur non configuré.",
        "setup": "Configurer un deuxième facteur",
        "codes": "Codes de récupération",
        "shown": "Vos codes de récupération",
        "step": "Encore une étape",
        "app": "Configurer une application d’authentification",
        "code_label": "Code à 6 chiffres de votre application d’authentification",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "email": "Courriel",
        "password": "Mot de passe",
        "remove": "Retirer la clé d’accès {name}",
        "kept": "Les comptes d’équipe gardent toujours un deuxième facteur",
    },
}


def new_staff(live_server, role: Role = Role.facilitator) -> str:
    """A team account of this test's own, so the demo people keep signing in with a password."""
    email = f"factor-{secrets.token_hex(4)}@example.org"
    with Session(live_server.app.extensions["tend_engine"]) as db:
        db.add(
            User(
                email=email,
                display_name="Ari Tester",
                password_hash=hash_password(DEMO_PASSWORD),
                role=role,
            )
        )
        db.commit()
    return email


def localhost_page(pages, live_server, locale: str):
    # A passkey belongs to a domain name: WebAuthn refuses an IP address such as 127.0.0.1.
    base = live_server.url.replace("127.0.0.1", "localhost")
    return pages.context(base_url=base, locale=TEXT[locale]["locale"]).new_page()


def password_step(page, email: str, text: dict) -> None:
    page.goto("/signin")
    page.get_by_label(text["email"]).fill(email)
    page.get_by_label(text["password"], exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=text["sign_in"], exact=True).click()


def save_recovery_codes(page, text: dict) -> list[str]:
    expect(page.get_by_role("heading", level=1)).to_have_text(text["codes"])
    check_page(page)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["shown"])
    check_page(page)
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)
    page.locator("main a.button").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-second-factor-banner]")).to_have_count(0)
    return codes


def sign_out(page, text: dict) -> None:
    page.get_by_role("button", name=text["sign_out"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/signin$"))


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_a_passkey_is_made_and_then_signs_in(pages, live_server, locale):
    text = TEXT[locale]
    email = new_staff(live_server)
    page = localhost_page(pages, live_server, locale)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    phone = add_authenticator(cdp)
    password_step(page, email, text)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", text["lang"])
    banner = page.locator("[data-second-factor-banner]")
    expect(banner).to_contain_text(text["banner"])
    check_page(page)

    banner.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["setup"])
    check_page(page)
    page.locator("[data-passkey-name]").fill("Pixel")
    page.locator("[data-passkey-setup] [data-passkey-start]").click()
    save_recovery_codes(page, text)

    page.goto("/account/second-factor")
    expect(page.locator("main")).to_contain_text("Pixel")
    check_page(page)

    sign_out(page, text)
    password_step(page, email, text)
    expect(page.get_by_role("heading", level=1)).to_have_text(text["step"])
    check_page(page)
    page.locator("[data-passkey-signin] [data-passkey-start]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name=text["sign_out"], exact=True)).to_be_visible()
    expect(page.locator("[data-second-factor-banner]")).to_have_count(0)

    # A second passkey, on another device (another authenticator), then the first removed.
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": phone})
    add_authenticator(cdp)
    page.goto("/second-factor/setup")
    page.locator("[data-passkey-name]").fill("Laptop")
    page.locator("[data-passkey-setup] [data-passkey-start]").click()
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    expect(page.locator(".factor-list li")).to_have_count(2)
    check_page(page)
    page.get_by_role("button", name=text["remove"].format(name="Pixel")).click()
    expect(page.locator(".factor-list li")).to_have_count(1)
    # The last one stays: a team account always keeps a second factor.
    page.get_by_role("button", name=text["remove"].format(name="Laptop")).click()
    expect(page.locator(".notice--error")).to_contain_text(text["kept"])
    expect(page.locator(".factor-list li")).to_contain_text("Laptop")
    check_page(page)


def add_authenticator(cdp) -> str:
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


@pytest.mark.parametrize("locale", ["en", "fr_CA"])
def test_an_authenticator_app_is_set_up_and_then_signs_in(pages, live_server, locale):
    text = TEXT[locale]
    email = new_staff(live_server, Role.medical)
    page = localhost_page(pages, live_server, locale)
    password_step(page, email, text)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/second-factor/setup")
    page.get_by_role("link", name=text["app"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["app"])
    expect(page.locator("svg.qr-code")).to_be_visible()
    check_page(page)
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label(text["code_label"]).fill("12345")  # a typo first: kindly refused
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".field--error")).to_be_visible()
    expect(page.get_by_label(text["code_label"])).to_have_value("12345")
    check_page(page)
    page.get_by_label(text["code_label"]).fill(totp.now())
    page.locator("main form button[type=submit]").click()
    save_recovery_codes(page, text)

    sign_out(page, text)
    password_step(page, email, text)
    expect(page.get_by_role("heading", level=1)).to_have_text(text["step"])
    check_page(page)
    page.get_by_label(text["code_label"]).fill(totp.at(time.time() + 30))
    page.locator("form[action$='/signin/second-factor/code'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name=text["sign_out"], exact=True)).to_be_visible()
