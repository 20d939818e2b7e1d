"""Regulation exercises as data: every shipped definition is sound in both languages, the
schema refuses broken ones, the timing maths the player schedules from is exact, and ratings
are read strictly."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from app.config import ROOT
from app.content import load_library
from app.content.schemas import Exercise
from app.exercises import services
from app.exercises.services import RatingRefused, cycles_for, parse_rating, timeline, total_seconds
from tests.unit.content_bundles import write, write_base_bundle

SHIPPED = ROOT / "app" / "content" / "bundles"
EXERCISE_FILES = sorted((SHIPPED / "core" / "exercises").glob("*.yaml"))
LOCALES = ("en", "fr_CA")
# What the issue asks the library to hold, at least.
EXPECTED = {
    "box-breathing",
    "extended-exhale",
    "resonance-breathing",
    "physiological-sigh",
    "grounding-54321",
    "orienting",
    "body-scan",
    "self-holding",
    "butterfly-tapping",
}


def raw(exercise_id: str) -> dict:
    path = SHIPPED / "core" / "exercises" / f"{exercise_id}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def definition(exercise_id: str) -> Exercise:
    return Exercise.model_validate(raw(exercise_id))


def all_definitions() -> list[tuple[str, Exercise]]:
    return [
        (path.stem, Exercise.model_validate(yaml.safe_load(path.read_text())))
        for path in EXERCISE_FILES
    ]


def every_exercise_at_every_duration() -> list:
    return [
        pytest.param(item, minutes, id=f"{exercise_id}-{minutes}min")
        for exercise_id, item in all_definitions()
        for minutes in item.durations
    ]


# --- The shipped definitions. -----------------------------------------------------------------


def test_the_core_bundle_ships_every_exercise_the_issue_asks_for():
    assert {path.stem for path in EXERCISE_FILES} >= EXPECTED


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_each_shipped_exercise_validates_and_offers_one_three_and_five_minutes(path: Path):
    item = Exercise.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert {1, 3, 5} <= set(item.durations)


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_each_shipped_exercise_has_its_whole_text_in_english_and_canadian_french(path: Path):
    item = Exercise.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert set(item.text) == set(LOCALES)
    for locale in LOCALES:
        text = item.text[locale]
        assert text.title.strip() and text.summary.strip() and text.stop_if.strip()
        if item.kind == "breathing":
            assert {phase.label for phase in item.pattern} == set(text.labels)
            assert all(label.strip() for label in text.labels.values())
            assert text.steps == []
        else:
            assert len(text.steps) == len(item.steps)
            assert all(step.strip() for step in text.steps)
            assert text.labels == {}
    # The two languages are translations, not copies of one another.
    assert item.text["en"].title != item.text["fr_CA"].title


def test_the_shipped_library_resolves_every_exercise_in_both_languages_without_falling_back():
    library = load_library(SHIPPED)
    ids = library.ids("exercise", "core")
    assert ids >= EXPECTED
    for exercise_id in ids:
        for locale in LOCALES:
            resolved = library.get("exercise", exercise_id, locale, "core")
            assert resolved is not None, (exercise_id, locale)
            assert not resolved.fell_back, (exercise_id, locale)


def test_holding_the_breath_comes_with_a_stop_if_note_for_pregnancy_and_panic():
    stop_if = definition("box-breathing").text["en"].stop_if.lower()
    assert "dizzy" in stop_if
    assert "pregnan" in stop_if
    assert "panic" in stop_if


# --- What the schema refuses. -----------------------------------------------------------------


def test_a_breathing_phase_whose_label_has_no_text_in_one_language_is_refused():
    broken = raw("box-breathing")
    del broken["text"]["fr_CA"]["labels"]["hold-empty"]
    with pytest.raises(ValidationError, match=r"text\.fr_CA\.labels lacks hold-empty"):
        Exercise.model_validate(broken)


def test_a_steps_exercise_whose_text_has_fewer_steps_than_its_timings_is_refused():
    broken = raw("grounding-54321")
    broken["text"]["en"]["steps"].pop()
    with pytest.raises(ValidationError, match=r"text\.en\.steps must have 7 entries"):
        Exercise.model_validate(broken)


def test_a_steps_exercise_whose_text_has_more_steps_than_its_timings_is_refused():
    broken = raw("orienting")
    broken["text"]["fr_CA"]["steps"].append("Une étape de trop.")
    with pytest.raises(ValidationError, match="steps must have"):
        Exercise.model_validate(broken)


def test_a_breathing_exercise_that_also_has_steps_is_refused():
    broken = raw("box-breathing")
    broken["steps"] = [{"seconds": 10}]
    with pytest.raises(ValidationError, match="a breathing exercise has a pattern and no steps"):
        Exercise.model_validate(broken)


def test_a_breathing_exercise_without_a_pattern_is_refused():
    broken = raw("resonance-breathing")
    broken["pattern"] = []
    with pytest.raises(ValidationError, match="a breathing exercise has a pattern"):
        Exercise.model_validate(broken)


def test_a_steps_exercise_that_also_has_a_pattern_is_refused():
    broken = raw("body-scan")
    broken["pattern"] = [{"label": "in", "seconds": 4, "motion": "expand"}]
    with pytest.raises(ValidationError, match="a steps exercise has steps and no pattern"):
        Exercise.model_validate(broken)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(durations=[4]), "a duration outside the offered minutes"),
        (lambda d: d.update(durations=[]), "no durations at all"),
        (lambda d: d["pattern"][0].update(seconds=0), "a phase of no time"),
        (lambda d: d["pattern"][0].update(seconds=31), "a phase longer than 30 seconds"),
        (lambda d: d["pattern"][0].update(motion="spin"), "an unknown motion"),
        (lambda d: d["pattern"][0].update(label="Breathe In"), "a label that is not an id"),
        (lambda d: d.update(colour="blue"), "an unknown key"),
        (lambda d: d["text"]["en"].update(title=""), "an empty title"),
        (lambda d: d["text"]["en"].pop("stop_if"), "no stop-if note"),
        (lambda d: d.update(kind="dance"), "an unknown kind"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_definition_broken_in_one_place_is_refused(change, why):
    broken = copy.deepcopy(raw("box-breathing"))
    change(broken)
    with pytest.raises(ValidationError):
        Exercise.model_validate(broken)


def test_a_bundle_can_add_a_new_breath_pattern_without_code(tmp_path):
    root = tmp_path / "bundles"
    write_base_bundle(root)
    pattern = {
        "kind": "breathing",
        "durations": [1, 3, 5],
        "pattern": [
            {"label": "in", "seconds": 3, "motion": "expand"},
            {"label": "out", "seconds": 5, "motion": "contract"},
        ],
        "text": {
            locale: {
                "title": f"Three-five ({locale})",
                "summary": f"In for three, out for five ({locale}).",
                "stop_if": f"Stop if you feel dizzy ({locale}).",
                "labels": {"in": f"In ({locale})", "out": f"Out ({locale})"},
            }
            for locale in LOCALES
        },
    }
    write(root / "base" / "exercises" / "three-five.yaml", yaml.safe_dump(pattern))
    library = load_library(root)
    resolved = library.get("exercise", "three-five", "fr_CA", "base")
    assert resolved is not None and not resolved.fell_back
    assert resolved.item.data.cycle_seconds == 8
    assert cycles_for(resolved.item.data, 1) == 8  # 60 / 8 = 7.5, rounded to even


# --- Timing maths. ----------------------------------------------------------------------------


def test_box_breathing_is_four_four_four_four_so_a_cycle_is_sixteen_seconds():
    box = definition("box-breathing")
    assert [phase.seconds for phase in box.pattern] == [4, 4, 4, 4]
    assert [phase.motion for phase in box.pattern] == ["expand", "still", "contract", "still"]
    assert box.cycle_seconds == 16


@pytest.mark.parametrize(("minutes", "cycles"), [(1, 4), (3, 11), (5, 19)])
def test_box_breathing_fits_the_whole_cycles_nearest_the_chosen_time(minutes, cycles):
    box = definition("box-breathing")
    assert cycles_for(box, minutes) == cycles == round(minutes * 60 / 16)


def test_three_minutes_of_box_breathing_is_eleven_cycles_of_four_phases():
    segments = timeline(definition("box-breathing"), 3)
    assert len(segments) == 11 * 4
    assert [s.index for s in segments[:5]] == [0, 1, 2, 3, 0]
    assert total_seconds(definition("box-breathing"), 3) == 11 * 16


def test_a_pattern_longer_than_the_chosen_time_still_runs_one_cycle():
    long_pattern = raw("box-breathing")
    for phase in long_pattern["pattern"]:
        phase["seconds"] = 30
    item = Exercise.model_validate(long_pattern)
    assert item.cycle_seconds == 120
    assert cycles_for(item, 1) == 1


@pytest.mark.parametrize(("item", "minutes"), every_exercise_at_every_duration())
def test_timeline_boundaries_are_contiguous_and_strictly_increasing(item, minutes):
    segments = timeline(item, minutes)
    assert segments[0].start == 0
    for before, after in zip(segments, segments[1:], strict=False):
        assert after.start == before.end
    for segment in segments:
        assert segment.end > segment.start


@pytest.mark.parametrize(("item", "minutes"), every_exercise_at_every_duration())
def test_total_time_is_within_one_cycle_of_the_chosen_minutes(item, minutes):
    slack = item.cycle_seconds / 2 if item.kind == "breathing" else 0
    assert abs(total_seconds(item, minutes) - minutes * 60) <= slack


@pytest.mark.parametrize(
    ("exercise_id", "minutes"),
    [
        (exercise_id, minutes)
        for exercise_id, item in all_definitions()
        if item.kind == "steps"
        for minutes in item.durations
    ],
)
def test_a_steps_exercise_lasts_exactly_the_chosen_minutes(exercise_id, minutes):
    assert total_seconds(definition(exercise_id), minutes) == minutes * 60


def test_steps_are_stretched_in_proportion_to_their_written_seconds():
    scan = definition("body-scan")
    written = [step.seconds for step in scan.steps]
    segments = timeline(scan, 5)
    lengths = [s.end - s.start for s in segments]
    ratio = 300 / sum(written)
    assert lengths == pytest.approx([w * ratio for w in written])
    assert {s.motion for s in segments} == {"still"}
    assert [s.index for s in segments] == list(range(len(written)))


def test_resonance_breathing_is_about_five_and_a_half_breaths_a_minute():
    resonance = definition("resonance-breathing")
    assert [phase.seconds for phase in resonance.pattern] == [5.5, 5.5]
    assert 60 / resonance.cycle_seconds == pytest.approx(5.45, abs=0.01)


def test_extended_exhale_breathes_out_for_longer_than_in():
    exhale = definition("extended-exhale")
    seconds = {phase.label: phase.seconds for phase in exhale.pattern}
    assert 6 <= seconds["out"] <= 8
    assert seconds["out"] > seconds["in"]


def test_the_physiological_sigh_has_two_breaths_in_then_a_long_breath_out():
    sigh = definition("physiological-sigh")
    motions = [phase.motion for phase in sigh.pattern]
    assert motions[:3] == ["expand", "expand", "contract"]
    inhale = sum(p.seconds for p in sigh.pattern if p.motion == "expand")
    exhale = sum(p.seconds for p in sigh.pattern if p.motion == "contract")
    assert exhale > inhale


# --- Ratings. ---------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_rating_is_no_rating(empty):
    assert parse_rating(empty) is None


@pytest.mark.parametrize(("typed", "value"), [("0", 0), ("10", 10), ("5", 5), (" 7 ", 7)])
def test_a_whole_number_from_zero_to_ten_is_a_rating(typed, value):
    assert parse_rating(typed) == value


@pytest.mark.parametrize("typed", ["11", "-1", "x", "3.5", "1e1", "10.0", "1_0", "٣", "NaN"])
def test_anything_else_is_refused(typed):
    with pytest.raises(RatingRefused):
        parse_rating(typed)


def test_a_refused_rating_is_a_value_error_so_callers_can_catch_either():
    assert issubclass(RatingRefused, ValueError)


# --- Idempotency keys. ------------------------------------------------------------------------


def test_a_client_uuid_is_normalised_and_anything_else_is_not_one():
    assert services.valid_uuid("A3BB189E-8BF9-3888-9912-ACE4E6543002") == (
        "a3bb189e-8bf9-3888-9912-ace4e6543002"
    )
    for bad in ("", None, "not-a-uuid", "1234", "a3bb189e-8bf9-3888-9912"):
        assert services.valid_uuid(bad) is None


# --- The average change. ----------------------------------------------------------------------


def point(before, after):
    from datetime import UTC, datetime

    return services.HistoryPoint(datetime.now(UTC), "box-breathing", before, after)


def test_the_average_change_is_before_minus_after_over_records_with_both_ratings():
    points = [point(7, 4), point(6, 4), point(None, 1), point(9, None), point(None, None)]
    assert services.average_change(points) == 2.5


def test_there_is_no_average_change_without_a_record_rated_both_times():
    assert services.average_change([]) is None
    assert services.average_change([point(5, None), point(None, 2)]) is None


def test_feeling_more_stirred_up_afterwards_is_a_negative_change():
    assert services.average_change([point(2, 6)]) == -4
