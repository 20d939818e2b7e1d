"""Scoring of the shipped instruments against worked examples, the missing-item rules, the
properties every total must keep (in range, never lower for a higher answer), the flag rules,
and the answers the engine refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import ROOT
from app.content import load_library
from app.questionnaires import engine
from app.questionnaires.engine import AnswerRefused, fired_flags, parse_answer, score

SHIPPED = ROOT / "app" / "content" / "bundles"
SUMMED = ("phq-9", "gad-7", "pcl-5")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


def instrument(instrument_id: str, locale: str = "en"):
    resolved = load_library(SHIPPED).get("questionnaire", instrument_id, locale, "core")
    assert resolved is not None, instrument_id
    return resolved.item.data


def item(definition, item_id: str):
    return next(i for i in definition.items if i.id == item_id)


def scored(instrument_id: str, values: list[int | None]) -> dict:
    """Answers to the scored items in order; None leaves that item unanswered."""
    ids = instrument(instrument_id).scoring.items
    assert len(values) == len(ids)
    return {i: v for i, v in zip(ids, values, strict=True) if v is not None}


def summing_to(total: int, count: int, item_max: int) -> list[int]:
    """`count` answers that add up to `total`, filled from the first item on."""
    values = []
    for _ in range(count):
        value = min(item_max, total)
        values.append(value)
        total -= value
    assert total == 0
    return values


def rule_ids(definition, answers: dict) -> set[str]:
    return {rule.id for rule in fired_flags(definition, answers, score(definition, answers))}


# --- PHQ-9. ---------------------------------------------------------------------------------


def test_a_phq9_with_every_item_not_at_all_scores_zero_in_the_minimal_band():
    result = score(instrument("phq-9"), scored("phq-9", [0] * 9))
    assert (result.total, result.band, result.complete) == (0, "minimal", True)
    assert (result.answered, result.missing) == (9, 0)


def test_a_phq9_worked_example_totals_14_and_reads_as_moderate():
    result = score(instrument("phq-9"), scored("phq-9", [3, 2, 2, 2, 1, 2, 1, 1, 0]))
    assert (result.total, result.band) == (14, "moderate")


def test_the_phq9_functional_item_ten_is_not_part_of_the_score():
    answers = {**scored("phq-9", [1] * 9), "q10": 3}
    assert score(instrument("phq-9"), answers).total == 9


def test_one_missing_phq9_item_is_prorated_from_the_mean_of_the_other_eight():
    result = score(instrument("phq-9"), scored("phq-9", [2, 2, 2, 2, 2, 2, 2, 2, None]))
    assert result.total == round(16 * 9 / 8) == 18
    assert (result.band, result.complete, result.missing) == ("moderately-severe", True, 1)


def test_a_prorated_half_point_rounds_up_as_a_clinician_scoring_by_hand_would():
    # 4 × 9 / 8 = 4.5: to the nearest whole number, that is 5 (mild), not 4 (minimal).
    result = score(instrument("phq-9"), scored("phq-9", [1, 1, 1, 1, 0, 0, 0, 0, None]))
    assert (result.total, result.band) == (5, "mild")


def test_two_missing_phq9_items_give_no_total_and_no_band():
    result = score(instrument("phq-9"), scored("phq-9", [3, 3, 3, 3, 3, 3, 3, None, None]))
    assert (result.total, result.band, result.complete) == (None, None, False)
    assert result.missing == 2


def test_a_skipped_or_prefer_not_answer_counts_as_missing_never_as_zero():
    answers = {**scored("phq-9", [2] * 8 + [None]), "q9": engine.PREFER_NOT}
    assert score(instrument("phq-9"), answers).total == 18


# --- GAD-7. ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_change_at_5_10_and_15(total, band):
    result = score(instrument("gad-7"), scored("gad-7", summing_to(total, 7, 3)))
    assert (result.total, result.band) == (total, band)


def test_one_missing_gad7_item_is_prorated_and_two_give_no_total():
    one = score(instrument("gad-7"), scored("gad-7", [3, 3, 3, 3, 3, 3, None]))
    two = score(instrument("gad-7"), scored("gad-7", [3, 3, 3, 3, 3, None, None]))
    assert one.total == 21
    assert two.total is None


# --- PCL-5. ---------------------------------------------------------------------------------

PCL5_EXAMPLE = [4, 3, 2, 1, 0] + [2, 2] + [1, 1, 1, 1, 1, 1, 1] + [3, 3, 3, 3, 3, 3]


def test_a_pcl5_worked_example_gives_the_total_and_the_four_dsm5_cluster_subscores():
    result = score(instrument("pcl-5"), scored("pcl-5", PCL5_EXAMPLE))
    assert result.total == 39
    assert result.subscales == {"b": 10, "c": 4, "d": 7, "e": 18}
    assert result.band == "at-or-above-cutoff"


def test_the_pcl5_clusters_are_items_1_to_5_6_to_7_8_to_14_and_15_to_20():
    clusters = {s.id: s.items for s in instrument("pcl-5").scoring.subscales}
    assert clusters == {
        "b": [f"q{n}" for n in range(1, 6)],
        "c": ["q6", "q7"],
        "d": [f"q{n}" for n in range(8, 15)],
        "e": [f"q{n}" for n in range(15, 21)],
    }


def test_the_pcl5_cut_off_is_33_by_default():
    below = score(instrument("pcl-5"), scored("pcl-5", summing_to(32, 20, 4)))
    at = score(instrument("pcl-5"), scored("pcl-5", summing_to(33, 20, 4)))
    assert (below.band, at.band) == ("below-cutoff", "at-or-above-cutoff")


def test_the_pcl5_is_never_prorated_one_missing_item_gives_no_total():
    result = score(instrument("pcl-5"), scored("pcl-5", [*PCL5_EXAMPLE[:-1], None]))
    assert (result.total, result.complete, result.missing) == (None, False, 1)
    # The clusters that are whole still have their subscores; the broken one has none.
    assert result.subscales == {"b": 10, "c": 4, "d": 7}


# --- B-IPF. ---------------------------------------------------------------------------------


def bipf(ratings: dict[int, int | None]) -> dict:
    """Answers for the B-IPF: domains named in `ratings` apply (rated, or left unrated when
    None); every other domain does not apply."""
    answers = {}
    for domain in range(1, 8):
        answers[f"a{domain}"] = "yes" if domain in ratings else "no"
        if ratings.get(domain) is not None:
            answers[f"q{domain}"] = ratings[domain]
    return answers


def test_the_bipf_is_the_percent_of_the_maximum_for_the_domains_that_apply():
    result = score(instrument("b-ipf"), bipf({1: 3, 2: 6, 3: 0}))
    assert result.total == 50.0  # 9 of 3 × 6 possible
    assert (result.band, result.answered) == ("moderate", 3)


def test_bipf_domains_that_do_not_apply_are_hidden():
    shown = {i.id for i in engine.visible_items(instrument("b-ipf"), bipf({1: 3, 2: 6, 3: 0}))}
    assert {"q1", "q2", "q3"} <= shown
    assert shown.isdisjoint({"q4", "q5", "q6", "q7"})


def test_a_rating_left_behind_when_a_domain_stopped_applying_is_not_counted():
    # The person rated friends 6, went Back and said friends did not apply after all: the
    # stored rating stays in the database but the domain no longer counts.
    answers = {**bipf({1: 3, 2: 6, 3: 0}), "q4": 6}
    result = score(instrument("b-ipf"), answers)
    assert (result.total, result.answered) == (50.0, 3)


def test_a_bipf_where_no_domain_applies_has_no_score():
    result = score(instrument("b-ipf"), bipf({}))
    assert (result.total, result.band) == (None, None)


@pytest.mark.parametrize("instrument_id", ["medical-intake", "about-you"])
def test_forms_that_are_not_scored_return_no_score(instrument_id):
    assert score(instrument(instrument_id), {}) is None


# --- Properties. ----------------------------------------------------------------------------


@st.composite
def complete_answers(draw, instrument_id: str) -> dict:
    definition = instrument(instrument_id)
    top = definition.scoring.item_max
    if definition.scoring.method == "sum":
        return scored(
            instrument_id,
            draw(
                st.lists(
                    st.integers(0, top),
                    min_size=len(definition.scoring.items),
                    max_size=len(definition.scoring.items),
                )
            ),
        )
    applicable = draw(st.sets(st.integers(1, 7), min_size=1))
    return bipf({domain: draw(st.integers(0, top)) for domain in applicable})


@PROPERTY_SETTINGS
@given(data=st.data(), instrument_id=st.sampled_from([*SUMMED, "b-ipf"]))
def test_any_complete_answer_set_scores_inside_the_instruments_range(data, instrument_id):
    definition = instrument(instrument_id)
    result = score(definition, data.draw(complete_answers(instrument_id)))
    low, high = definition.scoring.range
    assert result.complete
    assert low <= result.total <= high
    assert result.band is not None, f"{result.total} falls between two bands"


@PROPERTY_SETTINGS
@given(data=st.data(), instrument_id=st.sampled_from([*SUMMED, "b-ipf"]))
def test_raising_any_one_answer_never_lowers_the_total(data, instrument_id):
    definition = instrument(instrument_id)
    answers = data.draw(complete_answers(instrument_id))
    rated = [i for i in definition.scoring.items if i in answers]
    if instrument_id in ("phq-9", "gad-7") and data.draw(st.booleans()):
        # With one item missing, the prorated total must keep the same property.
        del answers[data.draw(st.sampled_from(rated))]
        rated = [i for i in rated if i in answers]
    raised_item = data.draw(st.sampled_from(rated))
    if answers[raised_item] == definition.scoring.item_max:
        return
    higher = dict(answers)
    higher[raised_item] = data.draw(
        st.integers(answers[raised_item] + 1, definition.scoring.item_max)
    )
    assert score(definition, higher).total >= score(definition, answers).total


# --- Flag rules. ----------------------------------------------------------------------------


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_any_phq9_item9_answer_above_not_at_all_fires_the_urgent_item9_flag(item9):
    definition = instrument("phq-9")
    answers = scored("phq-9", [0] * 8 + [item9])
    fired = fired_flags(definition, answers, score(definition, answers))
    assert [(rule.id, rule.level) for rule in fired] == [("phq9-item9", "urgent")]


def test_a_phq9_total_of_20_fires_the_severe_flag_and_19_does_not():
    definition = instrument("phq-9")
    assert rule_ids(definition, scored("phq-9", summing_to(19, 8, 3) + [0])) == set()
    twenty = scored("phq-9", summing_to(20, 8, 3) + [0])
    assert rule_ids(definition, twenty) == {"phq9-severe"}
    assert next(r for r in definition.flags if r.id == "phq9-severe").level == "urgent"


def test_a_prorated_phq9_total_in_the_top_band_fires_the_severe_flag():
    definition = instrument("phq-9")
    assert rule_ids(definition, scored("phq-9", [3, 3, 3, 3, 3, 3, 2, 0, None])) == {"phq9-severe"}


def test_a_gad7_total_of_15_or_more_fires_a_review_flag_not_an_urgent_one():
    definition = instrument("gad-7")
    assert rule_ids(definition, scored("gad-7", summing_to(14, 7, 3))) == set()
    answers = scored("gad-7", summing_to(15, 7, 3))
    fired = fired_flags(definition, answers, score(definition, answers))
    assert [(r.id, r.level) for r in fired] == [("gad7-severe", "review")]


def test_a_pcl5_total_of_60_or_more_fires_its_urgent_flag():
    definition = instrument("pcl-5")
    assert rule_ids(definition, scored("pcl-5", summing_to(59, 20, 4))) == set()
    assert rule_ids(definition, scored("pcl-5", summing_to(60, 20, 4))) == {"pcl5-high"}


CALM_INTAKE = {
    "age-18-plus": "yes",
    "pregnancy": "no",
    "bp-known-high": "no",
    "bp-reading-known": "yes",
    "bp-systolic": 118,
    "bp-diastolic": 76,
    "liver": "no",
    "kidney": "no",
    "vascular": "no",
    "heart": "no",
    "hyperthyroidism": "no",
    "psychosis": "no",
    "mania-bipolar": "no",
    "dementia-memory": "no",
    "delirium": "no",
    "epilepsy-seizures": "no",
    "ketamine-reaction": "no",
    "bladder-urinary": "no",
    "meds-any": "no",
    "alcohol": 2,
    "cannabis": 0,
    "other-substances": 0,
    "ketamine-use": 0,
    "suicide-attempt": "no",
    "eye-head-pressure": "no",
    "sleep-apnoea": "no",
    "anything-else": "I sleep better since I started walking.",
}


@pytest.mark.parametrize(
    ("changed", "rule"),
    [
        ({"psychosis": "yes"}, "intake-psychosis"),
        ({"bp-systolic": 150}, "intake-bp-systolic"),
        ({"alcohol": 4}, "intake-alcohol"),
        ({"meds-any": "yes", "meds-list": "something daily"}, "intake-medicines"),
        ({"ketamine-use": 1}, "intake-ketamine-use"),
        ({"suicide-attempt": "yes"}, "intake-suicide-attempt"),
        ({"eye-head-pressure": "yes"}, "intake-eye-head-pressure"),
        ({"sleep-apnoea": "yes"}, "intake-sleep-apnoea"),
    ],
)
def test_a_medical_intake_answer_that_matters_raises_one_review_flag(changed, rule):
    definition = instrument("medical-intake")
    fired = fired_flags(definition, {**CALM_INTAKE, **changed}, None)
    assert [(r.id, r.level) for r in fired] == [(rule, "review")]


def test_known_untreated_high_blood_pressure_raises_both_blood_pressure_flags():
    answers = {**CALM_INTAKE, "bp-known-high": "yes", "bp-treated": "no"}
    assert rule_ids(instrument("medical-intake"), answers) == {"intake-bp", "intake-bp-untreated"}


def test_an_answer_to_a_question_no_longer_shown_raises_no_flag():
    # "Not treated" was answered, then the person went Back and said they never had high
    # blood pressure: the treatment question is hidden and its old answer means nothing.
    answers = {**CALM_INTAKE, "bp-known-high": "no", "bp-treated": "no"}
    assert rule_ids(instrument("medical-intake"), answers) == set()


def test_calm_answers_raise_no_flag_on_any_instrument():
    assert rule_ids(instrument("medical-intake"), CALM_INTAKE) == set()
    assert rule_ids(instrument("phq-9"), scored("phq-9", [1] * 8 + [0])) == set()
    assert rule_ids(instrument("gad-7"), scored("gad-7", [2] * 7)) == set()
    assert rule_ids(instrument("pcl-5"), scored("pcl-5", PCL5_EXAMPLE)) == set()
    assert rule_ids(instrument("b-ipf"), bipf({1: 6, 2: 6})) == set()


def test_the_about_you_form_never_raises_a_flag():
    definition = instrument("about-you")
    answers = {i.id: "anything at all" for i in definition.items}
    assert definition.flags == []
    assert rule_ids(definition, answers) == set()


# --- Answers the engine refuses. ------------------------------------------------------------


def refusal(instrument_id: str, item_id: str, raw: list[str]) -> str:
    definition = instrument(instrument_id)
    with pytest.raises(AnswerRefused) as refused:
        parse_answer(definition, item(definition, item_id), raw)
    return refused.value.reason


@pytest.mark.parametrize("raw", [["4"], ["-1"], ["1.0"], ["several days"], ["prefer-not-to-say"]])
def test_a_choice_outside_the_items_answer_set_is_refused(raw):
    assert refusal("phq-9", "q1", raw) == "not_an_option"


@pytest.mark.parametrize("raw", [["maybe"], ["YES"], ["prefer-not-to-say"], ["1"]])
def test_a_tampered_yes_no_value_is_refused(raw):
    assert refusal("medical-intake", "liver", raw) == "not_an_option"


@pytest.mark.parametrize("raw", [["59"], ["261"], ["-120"], ["inf"]])
def test_a_number_outside_the_items_range_is_refused(raw):
    assert refusal("medical-intake", "bp-systolic", raw) == "out_of_range"


@pytest.mark.parametrize("raw", [["high"], ["120/80"], ["12O"], ["nan"], ["NaN"]])
def test_something_that_is_not_a_number_is_refused(raw):
    assert refusal("medical-intake", "bp-systolic", raw) == "not_a_number"


@pytest.mark.parametrize("raw", [["2026-02-30"], ["14/03/2026"], ["yesterday"]])
def test_a_date_that_is_not_a_real_calendar_day_is_refused(raw):
    definition = instrument("medical-intake")
    when = item(definition, "bp-systolic").model_copy(update={"type": "date", "min": None})
    with pytest.raises(AnswerRefused) as refused:
        parse_answer(definition, when, raw)
    assert refused.value.reason == "not_a_date"


@pytest.mark.parametrize("raw", [[], [""], ["   "]])
def test_a_required_item_left_blank_is_refused(raw):
    assert refusal("medical-intake", "psychosis", raw) == "required"


def test_text_longer_than_the_limit_is_refused():
    assert refusal("about-you", "pronouns", ["x" * (engine.TEXT_MAX + 1)]) == "too_long"


def test_good_answers_are_stored_as_their_typed_values():
    phq, intake, about = instrument("phq-9"), instrument("medical-intake"), instrument("about-you")
    assert parse_answer(phq, item(phq, "q9"), ["2"]) == 2
    assert parse_answer(phq, item(phq, "q9"), [""]) is None  # skipped, not refused
    assert parse_answer(intake, item(intake, "bp-systolic"), [" 142,0 "]) == 142
    assert parse_answer(intake, item(intake, "liver"), ["no"]) == "no"
    assert parse_answer(about, item(about, "pronouns"), ["prefer-not-to-say"]) == engine.PREFER_NOT
    assert parse_answer(about, item(about, "pronouns"), ["they/them"]) == "they/them"
