"""Passkeys (WebAuthn) with py_webauthn: registration and the sign-in assertion.

The one-time challenge travels in the signed session cookie and is spent on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit

import webauthn
from flask import current_app, request, session
from sqlmodel import Session, select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.models import Passkey, User, utcnow

RP_NAME = "Tend"
NAME_MAX = 60
_CHALLENGE = "webauthn_challenge"


class PasskeyRefused(Exception):
    """The browser's answer did not verify (wrong origin, stale challenge, unknown key)."""


def _origin() -> str:
    # In production the address people open Tend at (BASE_URL); elsewhere whatever host the
    # request came to, so localhost and test servers work without settings.
    settings = current_app.config["TEND"]
    if settings.production:
        return settings.alerts.base_url.rstrip("/")
    return request.host_url.rstrip("/")


def _rp_id() -> str:
    return urlsplit(_origin()).hostname or "localhost"


def _user_handle(user: User) -> bytes:
    # Opaque to the authenticator and to anyone reading it: no email, no database id.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


def _descriptors(db: Session, user: User) -> list[PublicKeyCredentialDescriptor]:
    keys = db.exec(select(Passkey.credential_id).where(Passkey.user_id == user.id))
    return [PublicKeyCredentialDescriptor(id=credential_id) for credential_id in keys]


def _keep_challenge(purpose: str, challenge: bytes) -> None:
    session[_CHALLENGE] = {"purpose": purpose, "value": bytes_to_base64url(challenge)}


def _spend_challenge(purpose: str) -> bytes:
    kept = session.pop(_CHALLENGE, None)
    if not kept or kept.get("purpose") != purpose:
        raise PasskeyRefused
    return base64url_to_bytes(kept["value"])


def registration_options(db: Session, user: User) -> str:
    options = webauthn.generate_registration_options(
        rp_id=_rp_id(),
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(db, user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    _keep_challenge("register", options.challenge)
    return webauthn.options_to_json(options)


def register(db: Session, user: User, credential: dict, name: str) -> Passkey:
    """Verify the new credential and keep its public key under the name the person chose."""
    challenge = _spend_challenge("register")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=_rp_id(),
            expected_origin=_origin(),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused from exc
    taken = db.exec(
        select(Passkey.id).where(Passkey.credential_id == verified.credential_id)
    ).first()
    if taken is not None:
        raise PasskeyRefused
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
    )
    db.add(passkey)
    return passkey


def authentication_options(db: Session, user: User) -> str:
    options = webauthn.generate_authentication_options(
        rp_id=_rp_id(),
        allow_credentials=_descriptors(db, user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge("authenticate", options.challenge)
    return webauthn.options_to_json(options)


def authenticate(db: Session, user: User, credential: dict) -> Passkey:
    """Verify a sign-in assertion from one of this person's passkeys."""
    challenge = _spend_challenge("authenticate")
    try:
        raw_id = base64url_to_bytes(credential["rawId"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PasskeyRefused from exc
    passkey = db.exec(
        select(Passkey).where(Passkey.user_id == user.id, Passkey.credential_id == raw_id)
    ).first()
    if passkey is None:
        raise PasskeyRefused
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=_rp_id(),
            expected_origin=_origin(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    db.add(passkey)
    return passkey


def parse_credential(body: bytes) -> dict:
    """The browser's JSON credential, or PasskeyRefused for anything that is not one."""
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise PasskeyRefused from exc
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        raise PasskeyRefused
    return data


def list_for(db: Session, user: User) -> list[Passkey]:
    return list(
        db.exec(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at))
    )
