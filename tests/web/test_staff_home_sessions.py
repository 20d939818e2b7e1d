"""The staff home puts each medicine session of the next 72 hours one tap from its board, with
a countdown and the board in numbers; the extra check-in lists questionnaires by name."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.models import AuditEvent, MedicineSession, SafetyFlag
from tests.conftest import post, sign_in
from tests.web.test_readiness_board import answer, finish_intake, proceed, sign


def session_in(db, world, hours: float, number: int = 1) -> MedicineSession:
    now = datetime.now(ZoneInfo(world.cohort.timezone)).replace(tzinfo=None, microsecond=0)
    made = MedicineSession(
        cohort_id=world.cohort.id,
        number=number,
        starts_local=now + timedelta(hours=hours, minutes=5),
        place="Studio 2",
    )
    db.add(made)
    db.commit()
    return made


def home_of(app, person, locale: str | None = None) -> str:
    client = app.test_client()
    sign_in(client, person)
    if locale:
        post(client, "/language", {"locale": locale})
    return html.unescape(client.get("/").get_data(as_text=True))


def test_a_session_in_30_hours_shows_on_the_team_home_with_its_countdown_and_counts(app, db, world):
    soon = session_in(db, world, 30)
    sign(db, world, world.participant, "treatment", "confidentiality")
    finish_intake(db, world, world.participant)
    answer(db, world, world.participant, soon)
    proceed(db, world, soon, world.participant)
    answer(db, world, world.same_group, soon, **{"medicines-reviewed": "no"})  # a hard stop
    for person in (world.facilitator, world.medical):
        page = home_of(app, person)
        assert "Medicine sessions in the next 72 hours" in page
        assert "Session 1 · Cohort A" in page and "Starts in 30 hours" in page
        assert "Pacific Time" in page and "Studio 2" in page
        counts = page[page.index("session-soon__counts") :]
        counts = counts[: counts.index("</dl>")]
        assert "<dt>Ready</dt><dd>1 of 3</dd>" in counts
        assert "<dt>Hard stops</dt><dd><strong>1</strong></dd>" in counts
        assert "<dt>Urgent flags not acknowledged</dt><dd><strong>1</strong></dd>" in counts
        assert "<dt>Consents missing</dt><dd>2</dd>" in counts
        assert "<dt>Medical intakes not done</dt><dd>2</dd>" in counts
        assert "<dt>Waiting for the clinician's review</dt><dd>0</dd>" in counts
        assert f'href="/team/cohorts/{world.cohort.id}/sessions/{soon.id}/board"' in page
        assert f'href="/team/cohorts/{world.cohort.id}/flags"' in page


def test_reading_the_counts_is_audited_and_names_nobody(app, db, world):
    soon = session_in(db, world, 10)
    page = home_of(app, world.medical)
    assert "Participant" not in page.replace("participants", "")
    db.expire_all()
    events = list(db.exec(select(AuditEvent).where(AuditEvent.action == "viewed_readiness_counts")))
    assert [(e.actor_id, e.object_id) for e in events] == [(world.medical.id, str(soon.id))]


@pytest.mark.parametrize("hours", [80, -3])
def test_a_session_further_off_or_long_begun_is_not_on_the_home(app, db, world, hours):
    session_in(db, world, hours)
    assert "Medicine sessions in the next 72 hours" not in home_of(app, world.medical)


def test_another_cohorts_team_and_administrators_see_no_card(app, db, world):
    session_in(db, world, 20)
    assert "Session 1 · Cohort A" not in home_of(app, world.other_facilitator)
    assert "Medicine sessions in the next 72 hours" not in home_of(app, world.admin)


def test_the_home_in_french(app, db, world):
    session_in(db, world, 2)
    db.add(
        SafetyFlag(
            user_id=world.participant.id,
            cohort_id=world.cohort.id,
            source="support-button",
            level="review",
        )
    )
    db.commit()
    page = home_of(app, world.medical, "fr_CA")
    assert "Séances de médecine dans les 72 prochaines heures" in page
    assert "Commence dans 2 heures" in page and "heure du Pacifique" in page
    assert "Ouvrir le tableau de préparation" in page


# --- The extra check-in. ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("en", "Generalized Anxiety Disorder scale (GAD-7)"),
        ("fr_CA", "Échelle du trouble d'anxiété généralisée (GAD-7)"),
    ],
)
def test_the_extra_check_in_lists_the_outcome_questionnaires_by_name(app, world, locale, title):
    client = app.test_client()
    sign_in(client, world.facilitator)
    post(client, "/language", {"locale": locale})
    page = html.unescape(
        client.get(f"/team/cohorts/{world.cohort.id}/outcomes").get_data(as_text=True)
    )
    select_box = page[page.index('<select id="extra-instrument"') :]
    select_box = select_box[: select_box.index("</select>")]
    assert f'<option value="gad-7">{title}</option>' in select_box
    for instrument in ("phq-9", "pcl-5", "b-ipf"):
        assert f'<option value="{instrument}">' in select_box
    assert "medical-intake" not in select_box and "about-you" not in select_box
