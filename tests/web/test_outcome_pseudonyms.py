"""Pseudonyms in exports give away nothing of who enrolled first.

The facilitator's outcomes CSV numbers people afresh, at random, in every export (P001 is
nobody in particular, and the rows follow the pseudonyms). The REDCap and FHIR exports keep one
random study code per participant on purpose, so that an evaluation team can import a later
export over an earlier one: those codes are random too, never in the order of the accounts.
"""

from __future__ import annotations

import csv
import io

from app.exports import source
from app.models import Role, User
from app.models.cohorts import Membership
from tests.conftest import password_hash
from tests.web import test_flags_and_outcomes as outcomes_tests
from tests.web.test_flags_and_outcomes import PHQ9_PAIRS, staff, unzip, with_pairs

INTAKE_TOTAL = {str(before): key for key, (before, _after) in PHQ9_PAIRS.items()}


def pseudonyms(files) -> tuple[dict[str, str], list[str]]:
    """(person → pseudonym, people in row order), people told apart by their intake score."""
    rows = list(csv.DictReader(io.StringIO(files["scores.csv"])))
    named = {
        INTAKE_TOTAL[r["total"]]: r["participant"] for r in rows if r["administration"] == "intake"
    }
    order = []
    for row in rows:
        if row["administration"] == "intake" and INTAKE_TOTAL[row["total"]] not in order:
            order.append(INTAKE_TOTAL[row["total"]])
    return named, order


def test_outcome_export_pseudonyms_are_drawn_afresh_for_every_export(app, db, world, monkeypatch):
    with_pairs(db, world, "phq-9", PHQ9_PAIRS)
    monkeypatch.setattr(outcomes_tests.outcomes_module, "research_consent_given", lambda *_: True)
    assignments, orders = set(), set()
    client = staff(app, world.facilitator)
    for _ in range(12):
        response = client.get(f"/team/cohorts/{world.cohort.id}/outcomes.zip")
        named, order = pseudonyms(unzip(response))
        assert sorted(named.values()) == ["P001", "P002", "P003"]
        assignments.add(tuple(sorted(named.items())))
        orders.add(tuple(order))
    # In user-id order every export would be the same; at random, 12 alike is 1 in 6**11.
    assert len(assignments) > 1
    assert len(orders) > 1


def test_rows_follow_the_pseudonyms_not_the_accounts(app, db, world, monkeypatch):
    with_pairs(db, world, "phq-9", PHQ9_PAIRS)
    monkeypatch.setattr(outcomes_tests.outcomes_module, "research_consent_given", lambda *_: True)
    response = staff(app, world.facilitator).get(f"/team/cohorts/{world.cohort.id}/outcomes.zip")
    rows = list(csv.DictReader(io.StringIO(unzip(response)["scores.csv"])))
    codes = [row["participant"] for row in rows]
    assert codes == sorted(codes)


def more_participants(db, world, count: int) -> list[User]:
    people = []
    for number in range(count):
        person = User(
            email=f"coded{number}@example.test",
            display_name=f"Coded {number}",
            password_hash=password_hash(),
            role=Role.participant,
        )
        db.add(person)
        db.flush()
        db.add(Membership(user_id=person.id, cohort_id=world.cohort.id, role=Role.participant))
        people.append(person)
    db.commit()
    return people


def test_study_codes_are_random_not_in_account_order_and_stable(db, world):
    people = more_participants(db, world, 12)
    ids = {person.id for person in people}
    codes = source.study_codes(db, world.cohort, ids)
    in_account_order = [codes[i] for i in sorted(ids)]
    assert in_account_order != sorted(in_account_order)  # 1 in 12! by chance
    assert len(set(codes.values())) == 12
    assert source.study_codes(db, world.cohort, ids) == codes  # the same in every export
    again = source.study_codes(db, world.other_cohort, ids)
    assert set(again.values()).isdisjoint(codes.values())  # made, not derived from the person


def test_the_redcap_records_follow_the_study_codes_not_the_accounts(app, db, world):
    from tests.web.test_evaluation_exports import PHQ9, complete, consent, download, rows_of

    # Eight people: in account order by chance once in 8! = 40,320 exports.
    people = more_participants(db, world, 8)
    for person in people:
        consent(db, world, person)
        complete(db, world, person, "phq-9", "intake", PHQ9)
    codes = source.study_codes(db, world.cohort, {person.id for person in people})
    records = rows_of(download(app, world, "redcap-records.csv"))
    order = [row["record_id"] for row in records]
    assert order == sorted(codes.values())
