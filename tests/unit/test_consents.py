"""Versioned consents below the web layer: what a signature stores, what is refused, a new
version asking again, withdrawal, and whether research use is agreed, from the latest word."""

from __future__ import annotations

import hashlib
import re
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.config import ROOT
from app.content import Library, load_library
from app.models import AuditEvent, ConsentRecord
from app.questionnaires.outcomes import research_consent_given
from app.sessions import consent

SHIPPED = ROOT / "app" / "content" / "bundles"
NAME = "Rowan Quill-Ashby"
REQUIRED = ["treatment", "confidentiality", "touch", "sharing"]


@lru_cache(maxsize=1)
def shipped() -> Library:
    return load_library(SHIPPED)


def with_new_version(tmp_path: Path, document_id: str) -> Library:
    """The shipped bundles, with the next version of one consent (same words, new number)."""
    root = tmp_path / "bundles"
    shutil.copytree(SHIPPED, root)
    for path in (root / "core" / "consent").glob(f"{document_id}.*.md"):
        source = path.read_text(encoding="utf-8")
        assert re.search(r"\nversion: \d+\n", source)
        bumped = re.sub(
            r"\nversion: (\d+)\n", lambda m: f"\nversion: {int(m[1]) + 1}\n", source, count=1
        )
        path.write_text(bumped, encoding="utf-8")
    return load_library(root)


def document(document_id: str, locale: str = "en", library: Library | None = None):
    return (library or shipped()).get("consent", document_id, locale, "core")


def sign(db, world, document_id, choice=None, name=NAME, locale="en", library=None, person=None):
    return consent.sign(
        db,
        person or world.participant,
        world.cohort.id,
        document(document_id, locale, library),
        choice,
        name,
    )


def sign_everything(db, world, person=None, library=None):
    for resolved in consent.documents(library or shipped(), "core", "en"):
        choices = resolved.item.data.choices
        consent.sign(
            db,
            person or world.participant,
            world.cohort.id,
            resolved,
            choices[0].id if choices else None,
            NAME,
        )


def records(db, person) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.user_id == person.id)
    return list(db.exec(query.order_by(ConsentRecord.id)))


def waiting(db, world, library=None, person=None) -> list[str]:
    found = consent.statuses(
        db, library or shipped(), person or world.participant, world.cohort, "en"
    )
    return [status.document.item.id for status in found if status.needs_answer]


# --- What a signature stores. ----------------------------------------------------------------


def test_signing_stores_the_document_version_fingerprint_locale_choice_and_name(db, world):
    record = sign(db, world, "touch", choice="no")
    shown = document("touch")
    data = shown.item.data
    # The fingerprint is of exactly what was read: the title, the text and the choices offered.
    expected = hashlib.sha256(
        "\n".join([data.title, str(shown.item.body), *(c.text for c in data.choices)]).encode()
    ).hexdigest()
    [stored] = records(db, world.participant)
    assert (stored.document_id, stored.version, stored.locale, stored.choice) == (
        "touch",
        1,
        "en",
        "no",
    )
    assert stored.text_sha256 == expected == record.text_sha256
    assert stored.signed_name == NAME
    assert stored.signed_at is not None and stored.withdrawn_at is None
    assert stored.cohort_id == world.cohort.id


def test_the_typed_name_is_encrypted_at_rest(db, world):
    record = sign(db, world, "treatment")
    raw = db.connection().execute(
        text("SELECT signed_name, document_id FROM consent_record WHERE id = :id"),
        {"id": record.id},
    )
    stored_name, stored_document = raw.one()
    assert stored_document == "treatment"
    assert stored_name.startswith("gAAAAA")
    assert NAME not in stored_name and "Rowan" not in stored_name


def test_signing_in_french_stores_the_french_text_fingerprint(db, world):
    english = sign(db, world, "confidentiality", locale="en")
    french = sign(db, world, "confidentiality", locale="fr_CA", person=world.same_group)
    assert (english.locale, french.locale) == ("en", "fr_CA")
    assert french.text_sha256 == consent.text_hash(document("confidentiality", "fr_CA"))
    assert french.text_sha256 != english.text_sha256


def test_a_document_without_choices_stores_no_choice_even_if_one_is_sent(db, world):
    assert sign(db, world, "treatment", choice="yes").choice is None


def test_a_signature_is_audited_with_the_document_and_its_version(db, world):
    sign(db, world, "research", choice="yes")
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "consent_signed")).all()
    assert (event.actor_id, event.subject_id, event.cohort_id) == (
        world.participant.id,
        world.participant.id,
        world.cohort.id,
    )
    assert (event.object_type, event.object_id) == ("consent", "research@v2")


# --- What is refused. ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_signing_with_an_empty_name_is_refused_and_nothing_is_stored(db, world, name):
    with pytest.raises(consent.ConsentRefused) as refused:
        sign(db, world, "treatment", name=name)
    assert refused.value.reason == "name"
    assert records(db, world.participant) == []


@pytest.mark.parametrize("choice", [None, "", "maybe"])
def test_a_choice_the_document_does_not_offer_is_refused(db, world, choice):
    with pytest.raises(consent.ConsentRefused) as refused:
        sign(db, world, "research", choice=choice)
    assert refused.value.reason == "choice"
    assert records(db, world.participant) == []


# --- What is waiting, and a new version asking again. ----------------------------------------


def test_before_signing_every_required_consent_waits_and_the_optional_one_does_not(db, world):
    assert waiting(db, world) == REQUIRED


def test_once_everything_is_signed_nothing_waits(db, world):
    sign_everything(db, world)
    assert waiting(db, world) == []
    assert consent.has_session_consents(db, shipped(), world.participant, world.cohort)


def test_a_new_version_of_a_signed_consent_waits_for_an_answer_again(db, world, tmp_path):
    sign_everything(db, world)
    newer = with_new_version(tmp_path, "treatment")
    assert waiting(db, world, newer) == ["treatment"]
    [treatment] = [
        status
        for status in consent.statuses(db, newer, world.participant, world.cohort, "en")
        if status.document.item.id == "treatment"
    ]
    assert treatment.record.version == 2 and not treatment.signed_current
    assert not consent.has_session_consents(db, newer, world.participant, world.cohort)

    sign(db, world, "treatment", library=newer)
    assert waiting(db, world, newer) == []
    assert consent.has_session_consents(db, newer, world.participant, world.cohort)
    assert [r.version for r in records(db, world.participant) if r.document_id == "treatment"] == [
        2,
        3,
    ]


def test_a_session_needs_both_treatment_and_confidentiality_on_file(db, world):
    library = shipped()
    assert not consent.has_session_consents(db, library, world.participant, world.cohort)
    sign(db, world, "treatment")
    assert not consent.has_session_consents(db, library, world.participant, world.cohort)
    sign(db, world, "confidentiality")
    assert consent.has_session_consents(db, library, world.participant, world.cohort)
    # Someone else's signatures count for nobody else.
    assert not consent.has_session_consents(db, library, world.same_group, world.cohort)


# --- Withdrawal, and research use following the latest word. ---------------------------------


def withdraw(db, world, document_id: str) -> bool:
    return consent.withdraw(db, world.participant, world.cohort.id, document_id, shipped(), "core")


def test_an_optional_consent_can_be_withdrawn_and_the_withdrawal_is_audited(db, world):
    sign(db, world, "research", choice="yes")
    assert withdraw(db, world, "research") is True
    [record] = records(db, world.participant)
    assert record.withdrawn_at is not None
    assert db.exec(select(AuditEvent.action).where(AuditEvent.object_id == "research")).all() == [
        "consent_withdrawn"
    ]
    assert withdraw(db, world, "research") is False  # nothing left to withdraw


def test_withdrawing_the_treatment_consent_ends_session_consent_and_keeps_the_record(db, world):
    sign(db, world, "treatment")
    sign(db, world, "confidentiality")
    assert withdraw(db, world, "treatment") is True
    assert [r.withdrawn_at is None for r in records(db, world.participant)] == [False, True]
    assert not consent.has_session_consents(db, shipped(), world.participant, world.cohort)


def test_research_use_is_not_agreed_until_someone_says_yes(db, world):
    assert research_consent_given(db, world.participant.id) is False
    sign(db, world, "research", choice="no")
    assert research_consent_given(db, world.participant.id) is False


def test_research_use_follows_the_latest_record(db, world):
    sign(db, world, "research", choice="yes")
    assert research_consent_given(db, world.participant.id) is True
    assert research_consent_given(db, world.same_group.id) is False

    assert withdraw(db, world, "research")
    assert research_consent_given(db, world.participant.id) is False

    sign(db, world, "research", choice="yes")  # a change of mind: yes again
    assert research_consent_given(db, world.participant.id) is True

    sign(db, world, "research", choice="no")
    assert research_consent_given(db, world.participant.id) is False
