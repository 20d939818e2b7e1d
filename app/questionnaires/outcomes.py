"""Change over the program for the care team: baseline against end, per person and cohort."""

from __future__ import annotations

import csv
import io
import math
import secrets
import statistics
from dataclasses import dataclass
from datetime import UTC

from sqlmodel import Session, select

from app import audit
from app.content import Library
from app.models import Membership, QuestionnaireResponse, Role, User
from app.program import local_today
from app.questionnaires import engine
from app.questionnaires.schedule import OUTCOMES, is_late_baseline
from app.questionnaires.services import answers_of, first_session_day

# Cohort figures appear only when enough people contributed that nobody can be singled out.
MIN_CONTRIBUTORS = 3
RELIABLE = 1.96
# Below this many baseline scores a cohort's own SD is too unsteady to judge reliable change by.
COHORT_SD_MIN = 20


def research_consent_given(db: Session, user_id: int) -> bool:
    """Whether the person agreed to the use of their scores for program evaluation.

    Consent is recorded with the session-day consents; until a person has said yes there,
    and from the moment they withdraw, the answer is no and they are left out of exports.
    """
    from app.sessions.consent import research_consent

    return research_consent(db, user_id)


@dataclass(frozen=True)
class Change:
    user: User
    baseline: float | None
    end: float | None
    rci: float | None
    late_baseline: bool = False  # finished on or after the day of the first medicine session

    @property
    def difference(self) -> float | None:
        if self.baseline is None or self.end is None:
            return None
        return self.end - self.baseline


@dataclass(frozen=True)
class InstrumentOutcome:
    instrument_id: str
    title: str
    changes: list[Change]
    contributors: int
    mean_change: float | None  # None when hidden (fewer than MIN_CONTRIBUTORS pairs)
    improved_share: float | None
    reliably_improved_share: float | None
    # Where the reliable change index's SD comes from: "cited" (the instrument file), "cohort"
    # (20 or more baseline scores), or why there is none: "no_reliability" | "no_sd".
    rci_basis: str = "no_sd"
    baseline_count: int = 0


def _totals(db, library, cohort_id, instrument_id, administration):
    query = select(QuestionnaireResponse).where(
        QuestionnaireResponse.cohort_id == cohort_id,
        QuestionnaireResponse.instrument_id == instrument_id,
        QuestionnaireResponse.administration == administration,
        QuestionnaireResponse.completed_at.is_not(None),
    )
    totals = {}
    for response in db.exec(query):
        resolved = library.get("questionnaire", instrument_id, "en", response.bundle_id)
        answers, _seen = answers_of(db, response)
        result = engine.score(resolved.item.data, answers)
        if result is not None and result.total is not None:
            totals[response.user_id] = result.total
    return totals


def _late_baselines(db, cohort, instrument_id: str, first_session) -> set[int]:
    """Who finished this baseline on or after the day of the first medicine session."""
    if first_session is None:
        return set()
    query = select(QuestionnaireResponse).where(
        QuestionnaireResponse.cohort_id == cohort.id,
        QuestionnaireResponse.instrument_id == instrument_id,
        QuestionnaireResponse.administration == "intake",
        QuestionnaireResponse.completed_at.is_not(None),
    )
    return {
        r.user_id
        for r in db.exec(query)
        if is_late_baseline(r.administration, completed_day(cohort, r), first_session)
    }


def completed_day(cohort, response):
    """The cohort's calendar day on which a response was finished."""
    done = response.completed_at
    return local_today(cohort, done if done.tzinfo else done.replace(tzinfo=UTC))


def rci(baseline: float, end: float, scoring, cohort_sd: float | None = None) -> float | None:
    """Jacobson and Truax's reliable change index, from the instrument's reliability and the
    baseline SD the definition cites (or, without one, the cohort's own baseline SD, which the
    caller passes only from COHORT_SD_MIN people)."""
    sd = scoring.baseline_sd or cohort_sd
    if not scoring.reliability or not sd:
        return None
    standard_error = sd * math.sqrt(1 - scoring.reliability)
    return (end - baseline) / (math.sqrt(2) * standard_error)


def cohort_outcomes(
    db: Session, library: Library, viewer: User, cohort, locale: str
) -> list[InstrumentOutcome]:
    participants = list(
        db.exec(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort.id, Membership.role == Role.participant)
            .order_by(User.display_name)
        )
    )
    audit.record(db, viewer, "viewed_outcomes", cohort_id=cohort.id)
    db.commit()
    first_session = first_session_day(db, cohort)
    outcomes = []
    for instrument_id in OUTCOMES:
        resolved = library.get("questionnaire", instrument_id, locale, cohort.bundle_id)
        if resolved is None:
            continue
        scoring = resolved.item.data.scoring
        baseline = _totals(db, library, cohort.id, instrument_id, "intake")
        end = _totals(db, library, cohort.id, instrument_id, "end")
        # Without a cited SD in the definition, the cohort's own intake scores give it, and
        # only from enough people for the SD to mean something.
        cohort_sd = None
        if not scoring.reliability:
            basis = "no_reliability"
        elif scoring.baseline_sd:
            basis = "cited"
        elif len(baseline) >= COHORT_SD_MIN:
            basis, cohort_sd = "cohort", statistics.stdev(baseline.values())
        else:
            basis = "no_sd"
        late = _late_baselines(db, cohort, instrument_id, first_session)
        changes = []
        for person in participants:
            before, after = baseline.get(person.id), end.get(person.id)
            index = (
                rci(before, after, scoring, cohort_sd)
                if before is not None and after is not None
                else None
            )
            changes.append(Change(person, before, after, index, person.id in late))
        pairs = [c for c in changes if c.difference is not None]
        shown = len(pairs) >= MIN_CONTRIBUTORS
        meaningful = scoring.meaningful_change
        outcomes.append(
            InstrumentOutcome(
                instrument_id=instrument_id,
                title=resolved.item.data.title[resolved.item.locale],
                changes=changes,
                contributors=len(pairs),
                mean_change=sum(c.difference for c in pairs) / len(pairs) if shown else None,
                improved_share=(
                    sum(1 for c in pairs if -c.difference >= meaningful) / len(pairs)
                    if shown and meaningful
                    else None
                ),
                reliably_improved_share=(
                    sum(1 for c in pairs if c.rci is not None and c.rci <= -RELIABLE) / len(pairs)
                    if shown and basis in ("cited", "cohort")
                    else None
                ),
                rci_basis=basis,
                baseline_count=len(baseline),
            )
        )
    return outcomes


CODEBOOK = [
    ("participant", "Study code for the person, stable within this export; no names."),
    ("instrument", "phq-9, gad-7, pcl-5 or b-ipf."),
    ("instrument_version", "Version of the instrument definition used."),
    ("administration", "intake, end, follow-up-1m or follow-up-6m."),
    ("locale", "Language the questionnaire was answered in."),
    ("completed_on", "Date the questionnaire was finished (UTC)."),
    ("total", "Total score by the instrument's rule (prorated where its manual allows)."),
    ("band", "Severity band key from the instrument definition."),
    ("subscales", "Subscale scores as key=value pairs separated by ';' (PCL-5 clusters)."),
    ("items_answered", "How many scored items were answered."),
    (
        "late_baseline",
        "1 when an intake (baseline) was finished on or after the day of the first medicine "
        "session, in the cohort's time zone; otherwise 0.",
    ),
]


def _pseudonyms(user_ids: set[int]) -> dict[int, str]:
    """P001, P002, ... drawn afresh at random for every export: numbered in account order, P001
    would be whoever enrolled first, and two exports could be joined person by person."""
    shuffled = sorted(user_ids)
    secrets.SystemRandom().shuffle(shuffled)
    return {user_id: f"P{number:03d}" for number, user_id in enumerate(shuffled, start=1)}


def evaluation_csv(db: Session, library: Library, viewer: User, cohort) -> tuple[str, str]:
    """Scores only, never free text, for people who consented to evaluation use; and a codebook."""
    query = (
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.cohort_id == cohort.id,
            QuestionnaireResponse.instrument_id.in_(list(OUTCOMES)),
            QuestionnaireResponse.completed_at.is_not(None),
        )
        .order_by(QuestionnaireResponse.user_id, QuestionnaireResponse.completed_at)
    )
    consent: dict[int, bool] = {}
    exported = []
    for response in db.exec(query):
        if response.user_id not in consent:
            consent[response.user_id] = research_consent_given(db, response.user_id)
        if consent[response.user_id]:
            exported.append(response)
    codes = _pseudonyms({response.user_id for response in exported})
    # Rows by pseudonym, so their order gives away no more than the pseudonyms do.
    exported.sort(key=lambda response: (codes[response.user_id], response.completed_at))
    first_session = first_session_day(db, cohort)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow([name for name, _ in CODEBOOK])
    for response in exported:
        code = codes[response.user_id]
        resolved = library.get("questionnaire", response.instrument_id, "en", response.bundle_id)
        answers, _seen = answers_of(db, response)
        result = engine.score(resolved.item.data, answers)
        writer.writerow(
            [
                code,
                response.instrument_id,
                response.instrument_version,
                response.administration,
                response.locale,
                response.completed_at.date().isoformat(),
                "" if result is None or result.total is None else result.total,
                (result.band or "") if result else "",
                ";".join(f"{k}={v:g}" for k, v in (result.subscales if result else {}).items()),
                result.answered if result else 0,
                int(
                    is_late_baseline(
                        response.administration, completed_day(cohort, response), first_session
                    )
                ),
            ]
        )
    audit.record(db, viewer, "exported_outcomes", cohort_id=cohort.id)
    db.commit()
    book = io.StringIO()
    csv.writer(book).writerows([("column", "meaning"), *CODEBOOK])
    return rows.getvalue(), book.getvalue()
