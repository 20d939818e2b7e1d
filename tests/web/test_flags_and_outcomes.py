"""The care team's side: safety flags seen, acknowledged and followed up by the cohort's team
(with the instrument and rule, never what was written), overdue flags escalated, outcomes with
cohort figures only from three people on, the reliable change index, and the evaluation export:
scores and a codebook, no free text, nobody without research consent."""

from __future__ import annotations

import csv
import html
import io
import math
import re
import statistics
import zipfile
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from app.config import ROOT
from app.content import load_library
from app.models import (
    AuditEvent,
    MedicineSession,
    Membership,
    QuestionnaireResponse,
    Role,
    SafetyFlag,
    utcnow,
)
from app.program import local_today
from app.questionnaires import engine, services
from app.questionnaires import outcomes as outcomes_module
from app.questionnaires.outcomes import CODEBOOK, cohort_outcomes, rci, research_consent_given
from tests.conftest import post, sign_in

SHIPPED = ROOT / "app" / "content" / "bundles"
MEDICINES = "Sertraline 50 mg every morning, lorazepam when panicky"
PREFERRED_NAME = "Wren Tallgrass"
CALM_INTAKE = {
    "age-18-plus": "yes",
    "pregnancy": "no",
    "bp-known-high": "no",
    "bp-reading-known": "no",
    "psychosis": "no",
    "meds-any": "yes",
    "meds-list": MEDICINES,
    "anything-else": "Knee surgery in 2019, healed well",
}


# --- Helpers. ------------------------------------------------------------------------------


def definition(instrument_id: str):
    return load_library(SHIPPED).get("questionnaire", instrument_id, "en", "core").item.data


def summing_to(total: int, count: int, item_max: int) -> list[int]:
    values = []
    for _ in range(count):
        values.append(min(item_max, total))
        total -= values[-1]
    assert total == 0
    return values


def phq9(total: int) -> dict:
    """PHQ-9 answers with that total and "Not at all" for item 9."""
    return {f"q{n}": v for n, v in enumerate([*summing_to(total, 8, 3), 0], start=1)}


def gad7(total: int) -> dict:
    return {f"q{n}": v for n, v in enumerate(summing_to(total, 7, 3), start=1)}


def complete(db, world, person, instrument_id: str, administration: str, answers: dict):
    """A finished response, saved and scored by the services as the pages would do it."""
    instrument = definition(instrument_id)
    response = QuestionnaireResponse(
        user_id=person.id,
        cohort_id=world.cohort.id,
        instrument_id=instrument_id,
        instrument_version=instrument.version,
        administration=administration,
        locale="en",
        bundle_id="core",
    )
    db.add(response)
    db.commit()
    items = engine.visible_items(instrument, answers)
    form = {item_id: [str(value)] for item_id, value in answers.items()}
    assert services.save_page(db, response, instrument, items, form) == {}
    services.finish(db, person, response, instrument)
    return response


def phq9_with_item9(client, db, world) -> SafetyFlag:
    """The participant answers the PHQ-9 over HTTP with "several days" for item 9."""
    sign_in(client, world.participant)
    started = post(client, "/check-ins/start", {"instrument": "phq-9", "administration": "intake"})
    response_id = int(urlsplit(started.location).path.split("/")[2])
    for number, value in enumerate([1, 1, 0, 0, 0, 0, 0, 0, 1, 1]):
        answered = post(
            client, f"/check-ins/{response_id}/{number}", {f"q{number + 1}": str(value)}
        )
        assert answered.status_code == 303
    db.expire_all()
    [flag] = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id))
    return flag


def staff(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def flags_url(world, cohort=None) -> str:
    return f"/team/cohorts/{(cohort or world.cohort).id}/flags"


def audit_actions(db, flag: SafetyFlag) -> list[tuple[str, int | None]]:
    db.expire_all()
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == "safety_flag", AuditEvent.object_id == str(flag.id))
        .order_by(AuditEvent.id)
    )
    return [(event.action, event.actor_id) for event in db.exec(query)]


def outcome_of(db, world, instrument_id: str):
    found = cohort_outcomes(db, load_library(SHIPPED), world.facilitator, world.cohort, "en")
    return next(o for o in found if o.instrument_id == instrument_id)


def section(page: str, instrument_id: str) -> str:
    start = page.index(f'id="out-{instrument_id}"')
    return page[start : page.index("</section>", start)]


def unzip(response) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


# --- Safety flags for the team. -------------------------------------------------------------


def test_the_facilitator_and_medical_lead_see_acknowledge_and_follow_up_an_item9_flag(
    app, client, db, world
):
    flag = phq9_with_item9(client, db, world)
    assert audit_actions(db, flag) == [("safety_flag_raised", world.participant.id)]

    facilitator = staff(app, world.facilitator)
    page = facilitator.get(flags_url(world)).get_data(as_text=True)
    assert "Participant" in page
    assert (
        "Patient Health Questionnaire (PHQ-9): Thoughts of being better off dead or of self-harm"
        in page
    )
    assert 'badge--urgent">urgent<' in page
    assert "flag--overdue" not in page
    assert "Acknowledge<" in page
    viewed = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "viewed_safety_flags", AuditEvent.actor_id == world.facilitator.id
        )
    ).all()
    assert [event.cohort_id for event in viewed] == [world.cohort.id]

    acknowledged = post(facilitator, f"{flags_url(world)}/{flag.id}/acknowledge")
    assert acknowledged.status_code == 303
    assert urlsplit(acknowledged.location).path == flags_url(world)
    db.refresh(flag)
    assert flag.acknowledged_by_id == world.facilitator.id

    medical = staff(app, world.medical)
    page = medical.get(flags_url(world)).get_data(as_text=True)
    assert (
        "Patient Health Questionnaire (PHQ-9): Thoughts of being better off dead or of self-harm"
        in page
    )
    assert "Acknowledge<" not in page  # already taken on
    note = "Called the same afternoon; safety plan in place, sees GP tomorrow"
    followed = post(medical, f"{flags_url(world)}/{flag.id}/follow-up", {"note": note})
    assert followed.status_code == 303
    db.refresh(flag)
    assert flag.follow_up == note
    assert flag.followed_up_at is not None

    assert audit_actions(db, flag) == [
        ("safety_flag_raised", world.participant.id),
        ("safety_flag_acknowledged", world.facilitator.id),
        ("safety_flag_followed_up", world.medical.id),
    ]
    assert "No open flags." in medical.get(flags_url(world)).get_data(as_text=True)
    everything = medical.get(f"{flags_url(world)}?all=1").get_data(as_text=True)
    assert note in everything


def test_the_team_sees_the_instrument_and_rule_of_an_intake_flag_never_what_was_written(
    app, db, world
):
    complete(db, world, world.participant, "medical-intake", "intake", CALM_INTAKE)
    complete(
        db, world, world.participant, "about-you", "intake", {"preferred-name": PREFERRED_NAME}
    )
    [flag] = db.exec(select(SafetyFlag).where(SafetyFlag.user_id == world.participant.id))
    assert (flag.level, flag.rule_id) == ("review", "intake-medicines")
    for person in (world.facilitator, world.medical):
        page = staff(app, person).get(flags_url(world)).get_data(as_text=True)
        assert "Medical history for your team: Current medicines to review" in page
        for private in (MEDICINES, "Sertraline", "Knee surgery", PREFERRED_NAME):
            assert private not in page


def test_a_call_for_support_shows_on_the_teams_flags_as_such(app, client, db, world):
    sign_in(client, world.participant)
    assert post(client, "/check-ins/support").status_code == 200
    page = staff(app, world.facilitator).get(flags_url(world)).get_data(as_text=True)
    assert "Asked for support from the help page" in page
    assert 'badge--urgent">urgent<' in page


def test_another_cohorts_facilitator_can_neither_see_nor_acknowledge_the_flag(
    app, client, db, world
):
    flag = phq9_with_item9(client, db, world)
    other = staff(app, world.other_facilitator)
    assert other.get(flags_url(world)).status_code == 403
    assert post(other, f"{flags_url(world)}/{flag.id}/acknowledge").status_code == 403
    assert post(other, f"{flags_url(world)}/{flag.id}/follow-up", {"note": "x"}).status_code == 403
    # Through their own cohort's address the flag is simply not found.
    theirs = flags_url(world, world.other_cohort)
    assert post(other, f"{theirs}/{flag.id}/acknowledge").status_code == 404
    assert post(other, f"{theirs}/{flag.id}/follow-up", {"note": "x"}).status_code == 404
    own_page = other.get(theirs).get_data(as_text=True)
    assert "phq9-item9" not in own_page
    assert "No open flags." in own_page
    db.refresh(flag)
    assert (flag.acknowledged_at, flag.followed_up_at, flag.follow_up) == (None, None, None)
    assert [action for action, _ in audit_actions(db, flag)] == ["safety_flag_raised"]


def test_a_flag_left_unacknowledged_past_its_time_shows_as_overdue_to_team_and_admins(
    app, client, db, world, make_app
):
    flag = phq9_with_item9(client, db, world)
    flag.raised_at = utcnow() - timedelta(minutes=121)
    db.add(flag)
    db.commit()
    team_page = staff(app, world.facilitator).get(flags_url(world)).get_data(as_text=True)
    assert "flag--overdue" in team_page
    assert 'badge--urgent">overdue<' in team_page
    admin = staff(app, world.admin)
    overdue = admin.get("/team/overdue-flags").get_data(as_text=True)
    assert "Cohort A" in overdue
    assert (
        "Patient Health Questionnaire (PHQ-9): Thoughts of being better off dead or of self-harm"
        in overdue
    )
    # A deployment that allows longer does not escalate it yet.
    patient = staff(make_app(flag_escalation_minutes=180), world.admin)
    assert "No overdue flags." in patient.get("/team/overdue-flags").get_data(as_text=True)
    # Once acknowledged, it is no longer overdue anywhere.
    post(staff(app, world.medical), f"{flags_url(world)}/{flag.id}/acknowledge")
    assert "No overdue flags." in admin.get("/team/overdue-flags").get_data(as_text=True)
    team_page = staff(app, world.facilitator).get(flags_url(world)).get_data(as_text=True)
    assert "Thoughts of being better off dead or of self-harm" in team_page
    assert "flag--overdue" not in team_page


def test_staff_cannot_answer_or_raise_flags_as_participants(app, db, world):
    facilitator = staff(app, world.facilitator)
    assert post(facilitator, "/check-ins/support").status_code == 403
    assert db.exec(select(SafetyFlag)).all() == []


# --- Outcomes. ------------------------------------------------------------------------------

PHQ9_PAIRS = {"participant": (15, 5), "same_group": (12, 8), "other_group": (10, 9)}


def with_pairs(db, world, instrument_id: str, pairs: dict, answers=phq9):
    for key, (before, after) in pairs.items():
        person = getattr(world, key)
        complete(db, world, person, instrument_id, "intake", answers(before))
        complete(db, world, person, instrument_id, "end", answers(after))


def test_with_three_people_the_mean_change_and_the_share_improved_appear(app, db, world):
    with_pairs(db, world, "phq-9", PHQ9_PAIRS)
    phq = outcome_of(db, world, "phq-9")
    assert phq.contributors == 3
    assert phq.mean_change == pytest.approx(-5.0)  # (-10 - 4 - 1) / 3
    assert phq.improved_share == pytest.approx(1 / 3)  # only -10 reaches 5 points
    # No cited reference SD and three baseline scores: no reliable change, and it says why.
    assert (phq.reliably_improved_share, phq.rci_basis) == (None, "no_sd")
    changes = {c.user.id: c for c in phq.changes}
    assert changes[world.participant.id].difference == -10
    assert changes[world.participant.id].rci is None

    page = staff(app, world.medical).get(f"/team/cohorts/{world.cohort.id}/outcomes")
    assert page.status_code == 200
    phq_section = section(page.get_data(as_text=True), "phq-9")
    assert re.search(r"<dt>Mean change</dt><dd>-5</dd>", phq_section)
    assert re.search(r"<dt>Improved by a meaningful amount</dt><dd>33 %</dd>", phq_section)
    assert "Reliably improved" not in phq_section
    assert re.search(r"<dt>People with both scores</dt><dd>3</dd>", phq_section)
    assert "(reliable improvement)" not in phq_section
    assert (
        "No reliable change is shown: Tend carries no cited reference SD for this "
        "questionnaire, and the cohort's own SD is used only from 20 baseline scores "
        "(3 so far)." in html.unescape(phq_section)
    )
    viewed = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "viewed_outcomes", AuditEvent.actor_id == world.medical.id
        )
    ).all()
    assert [e.cohort_id for e in viewed] == [world.cohort.id]


def test_with_only_two_people_the_cohort_figures_are_hidden_with_a_message(app, db, world):
    two = {key: PHQ9_PAIRS[key] for key in ("participant", "same_group")}
    with_pairs(db, world, "phq-9", two)
    # A third person with a baseline only does not count as a contributor.
    complete(db, world, world.other_group, "phq-9", "intake", phq9(10))
    phq = outcome_of(db, world, "phq-9")
    assert phq.contributors == 2
    assert (phq.mean_change, phq.improved_share, phq.reliably_improved_share) == (None, None, None)

    page = staff(app, world.facilitator).get(f"/team/cohorts/{world.cohort.id}/outcomes")
    phq_section = section(page.get_data(as_text=True), "phq-9")
    assert (
        "Cohort figures appear when at least 3 people have both a baseline and an end score."
        in phq_section
    )
    assert "Mean change" not in phq_section
    assert "Improved by a meaningful amount" not in phq_section


def test_the_reliable_change_index_follows_jacobson_and_truax():
    # Reliability 0.84 (Kroenke 2001), with a cited reference SD of 5.7 for the arithmetic.
    phq = definition("phq-9").scoring.model_copy(
        update={"baseline_sd": 5.7, "baseline_sd_source": "a published sample"}
    )
    standard_error = 5.7 * math.sqrt(1 - 0.84)
    assert rci(10, 4, phq) == pytest.approx(-6 / (math.sqrt(2) * standard_error))
    assert rci(10, 4, phq) == pytest.approx(-1.8608, abs=1e-4)
    assert rci(4, 10, phq) == pytest.approx(1.8608, abs=1e-4)
    assert rci(7, 7, phq) == 0
    # The definition's baseline SD wins over the cohort's.
    assert rci(10, 4, phq, cohort_sd=1.0) == rci(10, 4, phq)


def test_without_a_cited_baseline_sd_the_rci_uses_the_cohorts_or_none():
    gad = definition("gad-7").scoring  # reliability 0.83, no baseline SD
    assert gad.baseline_sd is None
    assert rci(15, 5, gad) is None
    assert rci(15, 5, gad, cohort_sd=4.0) == pytest.approx(
        -10 / (math.sqrt(2) * 4.0 * math.sqrt(1 - 0.83))
    )
    no_reliability = gad.model_copy(update={"reliability": None})
    assert rci(15, 5, no_reliability, cohort_sd=4.0) is None
    assert rci(15, 5, gad, cohort_sd=0.0) is None


def test_the_cohorts_own_sd_gives_reliable_change_only_from_20_baseline_scores(db, world):
    pairs = {"participant": (15, 3), "same_group": (18, 16), "other_group": (9, 8)}
    with_pairs(db, world, "gad-7", pairs, answers=gad7)
    gad = outcome_of(db, world, "gad-7")
    assert (gad.rci_basis, gad.reliably_improved_share, gad.baseline_count) == ("no_sd", None, 3)
    assert all(c.rci is None for c in gad.changes)
    assert gad.improved_share == pytest.approx(1 / 3)  # 4 points or more: only -12

    baselines = [15, 18, 9]
    for number in range(17):
        person = world.add_person(f"baseline_{number}", Role.participant, world.cohort)
        score = 5 + number % 10
        baselines.append(score)
        complete(db, world, person, "gad-7", "intake", gad7(score))
    gad = outcome_of(db, world, "gad-7")
    assert (gad.rci_basis, gad.baseline_count) == ("cohort", 20)
    cohort_sd = statistics.stdev(baselines)
    changes = {c.user.id: c for c in gad.changes}
    assert changes[world.participant.id].rci == pytest.approx(
        -12 / (math.sqrt(2) * cohort_sd * math.sqrt(1 - 0.83))
    )
    assert gad.reliably_improved_share == pytest.approx(1 / 3)


def test_the_b_ipf_shows_no_reliable_change_and_says_why(app, db, world):
    assert definition("b-ipf").scoring.reliability is None
    page = staff(app, world.facilitator).get(f"/team/cohorts/{world.cohort.id}/outcomes")
    bipf = html.unescape(section(page.get_data(as_text=True), "b-ipf"))
    assert "Reliably improved" not in bipf
    assert "Tend carries no published reliability figure for this questionnaire" in bipf


def test_a_reference_sd_without_its_source_is_refused():
    scoring = definition("gad-7").scoring
    with pytest.raises(ValueError, match="baseline_sd_source"):
        type(scoring).model_validate(scoring.model_dump() | {"baseline_sd": 4.0})


def test_a_baseline_finished_after_the_first_session_is_labelled_late_on_screen_and_in_export(
    app, db, world, monkeypatch
):
    with_pairs(db, world, "phq-9", PHQ9_PAIRS)
    monkeypatch.setattr(
        outcomes_module,
        "research_consent_given",
        lambda _db, user_id: user_id == world.participant.id,
    )
    yesterday = local_today(world.cohort) - timedelta(days=1)
    db.add(
        MedicineSession(
            cohort_id=world.cohort.id,
            number=1,
            starts_local=datetime.combine(yesterday, time(10, 0)),
        )
    )
    late = db.exec(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.user_id == world.participant.id,
            QuestionnaireResponse.instrument_id == "phq-9",
            QuestionnaireResponse.administration == "intake",
        )
    ).one()
    late.completed_at = utcnow()
    db.add(late)
    for other in (world.same_group, world.other_group):
        on_time = db.exec(
            select(QuestionnaireResponse).where(
                QuestionnaireResponse.user_id == other.id,
                QuestionnaireResponse.administration == "intake",
            )
        ).one()
        on_time.completed_at = utcnow() - timedelta(days=3)
        db.add(on_time)
    db.commit()

    phq = outcome_of(db, world, "phq-9")
    assert {c.user.id: c.late_baseline for c in phq.changes} == {
        world.participant.id: True,
        world.same_group.id: False,
        world.other_group.id: False,
    }
    page = staff(app, world.facilitator).get(f"/team/cohorts/{world.cohort.id}/outcomes")
    assert section(page.get_data(as_text=True), "phq-9").count("late: after the first session") == 1

    scores = list(csv.DictReader(io.StringIO(export(app, world)["scores.csv"])))
    baseline = next(r for r in scores if r["administration"] == "intake")
    end = next(r for r in scores if r["administration"] == "end")
    assert (baseline["late_baseline"], end["late_baseline"]) == ("1", "0")


def test_with_the_first_session_yesterday_the_baseline_is_no_longer_offered(app, db, world):
    yesterday = local_today(world.cohort) - timedelta(days=1)
    membership = db.exec(select(Membership).where(Membership.user_id == world.participant.id)).one()
    membership.joined_at = utcnow() - timedelta(days=10)  # joined before the first session
    db.add(membership)
    assert "medical-intake" in {
        item.instrument_id
        for item in services.due(db, load_library(SHIPPED), world.participant, "en")
    }
    db.add(
        MedicineSession(
            cohort_id=world.cohort.id,
            number=1,
            starts_local=datetime.combine(yesterday, time(10, 0)),
        )
    )
    db.commit()
    assert services.due(db, load_library(SHIPPED), world.participant, "en") == []


@pytest.mark.parametrize("viewer", ["other_facilitator", "participant", "admin"])
def test_outcomes_and_their_export_are_for_the_cohorts_team_only(app, db, world, viewer):
    client = staff(app, getattr(world, viewer))
    assert client.get(f"/team/cohorts/{world.cohort.id}/outcomes").status_code == 403
    assert client.get(f"/team/cohorts/{world.cohort.id}/outcomes.zip").status_code == 403


# --- The evaluation export. -----------------------------------------------------------------


def arrange_export(db, world):
    with_pairs(db, world, "phq-9", PHQ9_PAIRS)
    bipf = {"a1": "yes", "q1": 3, "a2": "yes", "q2": 6, "a3": "yes", "q3": 0}
    complete(db, world, world.participant, "b-ipf", "intake", bipf)
    complete(db, world, world.participant, "medical-intake", "intake", CALM_INTAKE)
    complete(
        db, world, world.participant, "about-you", "intake", {"preferred-name": PREFERRED_NAME}
    )


def export(app, world, person=None):
    client = staff(app, person or world.facilitator)
    response = client.get(f"/team/cohorts/{world.cohort.id}/outcomes.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return unzip(response)


def test_the_export_holds_scores_and_a_codebook_describing_every_column(app, db, world):
    files = export(app, world)
    assert set(files) == {"scores.csv", "codebook.csv"}
    header = next(csv.reader(io.StringIO(files["scores.csv"])))
    codebook = list(csv.reader(io.StringIO(files["codebook.csv"])))
    assert codebook[0] == ["column", "meaning"]
    assert [row[0] for row in codebook[1:]] == header == [name for name, _ in CODEBOOK]
    assert all(meaning for _, meaning in codebook[1:])


def test_nobody_is_exported_while_research_consent_has_not_been_given(app, db, world):
    arrange_export(db, world)
    for person in (world.participant, world.same_group, world.other_group):
        assert research_consent_given(db, person.id) is False
    rows = list(csv.reader(io.StringIO(export(app, world)["scores.csv"])))
    assert rows == [[name for name, _ in CODEBOOK]]
    exported = db.exec(select(AuditEvent).where(AuditEvent.action == "exported_outcomes")).all()
    assert [(e.actor_id, e.cohort_id) for e in exported] == [
        (world.facilitator.id, world.cohort.id)
    ]


def test_a_consenting_person_is_exported_by_study_code_with_scores_and_no_free_text(
    app, db, world, monkeypatch
):
    arrange_export(db, world)
    monkeypatch.setattr(
        outcomes_module,
        "research_consent_given",
        lambda _db, user_id: user_id == world.participant.id,
    )
    files = export(app, world, world.medical)
    rows = list(csv.DictReader(io.StringIO(files["scores.csv"])))
    assert {row["participant"] for row in rows} == {"P001"}
    assert sorted((r["instrument"], r["administration"], r["total"], r["band"]) for r in rows) == [
        ("b-ipf", "intake", "50.0", "moderate"),
        ("phq-9", "end", "5", "mild"),
        ("phq-9", "intake", "15", "moderately-severe"),
    ]
    phq_intake = next(
        r for r in rows if r["instrument"] == "phq-9" and r["administration"] == "intake"
    )
    assert (
        phq_intake["instrument_version"],
        phq_intake["locale"],
        phq_intake["items_answered"],
    ) == ("1", "en", "9")
    whole = files["scores.csv"] + files["codebook.csv"]
    for private in (
        world.participant.display_name,
        world.participant.email,
        world.same_group.display_name,
        MEDICINES,
        "Sertraline",
        "Knee surgery",
        PREFERRED_NAME,
        "medical-intake",
        "about-you",
    ):
        assert private not in whole
