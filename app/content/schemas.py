"""What each content file must contain, as pydantic models. Unknown keys are refused."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ReviewStatus = Literal["draft", "reviewed"]
LOCALE_PATTERN = r"^[a-z]{2,3}(_[A-Z]{2})?$"
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(Strict):
    authors: list[str] = Field(min_length=1)
    reviewers: list[str] = Field(default_factory=list)
    community: str | None = None
    permission_given_by: str | None = None
    permission_date: date | None = None
    licence: str
    approval: Literal["not_required", "required"] = "not_required"
    approved_by: str | None = None
    approved_on: date | None = None

    @property
    def approved(self) -> bool:
        return self.approval == "not_required" or bool(self.approved_by and self.approved_on)


class FileProvenance(Strict):
    """Per-file provenance: only what differs from the bundle's."""

    authors: list[str] | None = None
    reviewers: list[str] | None = None
    community: str | None = None
    permission_given_by: str | None = None
    permission_date: date | None = None
    licence: str | None = None


class BundleMeta(Strict):
    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(default=1, ge=1)  # raise it when the content changes meaningfully
    based_on: str | None = None
    default_locale: str = Field(pattern=LOCALE_PATTERN)
    locales: list[str] = Field(min_length=1)
    title: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    review: dict[str, ReviewStatus]
    provenance: Provenance
    # A participant is Ready for a medicine session only once a clinician recorded "proceed";
    # a program that reviews elsewhere may turn it off.
    clinician_review_before_ready: bool = True
    # When the baseline questionnaires and the medical intake close: on the day of the first
    # medicine session (a baseline after dosing is not a baseline), or at the end window.
    baseline_closes: Literal["first_session", "end_window"] = "first_session"

    @field_validator("locales")
    @classmethod
    def _locales_well_formed(cls, locales: list[str]) -> list[str]:
        import re

        bad = [code for code in locales if not re.match(LOCALE_PATTERN, code)]
        if bad:
            raise ValueError(f"not a locale code: {', '.join(bad)}")
        return locales

    @model_validator(mode="after")
    def _every_locale_described(self) -> BundleMeta:
        if self.default_locale not in self.locales:
            raise ValueError("default_locale must be one of locales")
        for key in ("title", "review"):
            missing = [code for code in self.locales if code not in getattr(self, key)]
            if missing:
                raise ValueError(f"{key} is missing for {', '.join(missing)}")
        return self


class Prompt(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=3)


class Week(Strict):
    theme: str = Field(min_length=2)
    intention: str = Field(min_length=2)
    practices: list[str] = Field(min_length=1, max_length=6)
    prompts: list[Prompt] = Field(min_length=1, max_length=8)
    provenance: FileProvenance | None = None


class SessionBlock(Strict):
    """Preparation before a ketamine session, or integration after it."""

    title: str = Field(min_length=2)
    intention: str | None = None
    practices: list[str] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    provenance: FileProvenance | None = None


class Practice(Strict):
    title: str = Field(min_length=2)
    minutes: int = Field(ge=1, le=120)
    why: str = Field(min_length=2)
    too_much: str = Field(min_length=2)
    steps: list[str] = Field(min_length=1, max_length=12)
    provenance: FileProvenance | None = None


class Guide(Strict):
    title: str = Field(min_length=2)
    provenance: FileProvenance | None = None


# kind → (folder, schema) for Markdown kinds; YAML kinds (one file, every locale inside)
# are in DATA_KINDS. Week ids are two-digit numbers; the others are kebab-case ids.
KINDS: dict[str, tuple[str, type[Strict]]] = {
    "week": ("weeks", Week),
    "practice": ("practices", Practice),
    "session": ("sessions", SessionBlock),
    "guide": ("guide", Guide),
}
SESSION_MOMENTS = ("preparation", "integration")


class BreathPhase(Strict):
    label: str = Field(pattern=ID_PATTERN)
    seconds: float = Field(gt=0, le=30)
    # How the pacer's shape moves during the phase.
    motion: Literal["expand", "contract", "still"]


class TimedStep(Strict):
    seconds: float = Field(gt=0, le=600)


class ExerciseText(Strict):
    title: str = Field(min_length=2)
    summary: str = Field(min_length=2)
    stop_if: str = Field(min_length=2)
    labels: dict[str, str] = Field(default_factory=dict)
    steps: list[str] = Field(default_factory=list)


class Exercise(Strict):
    """A regulation exercise: a breath pattern repeated in cycles, or timed steps."""

    kind: Literal["breathing", "steps"]
    # Where Settle lists it: breathing is always "breath"; steps say grounding or body.
    group: Literal["breath", "grounding", "body"] | None = None
    durations: list[int] = Field(min_length=1)
    pattern: list[BreathPhase] = Field(default_factory=list)
    steps: list[TimedStep] = Field(default_factory=list)
    text: dict[str, ExerciseText]
    provenance: FileProvenance | None = None

    @property
    def settle_group(self) -> str:
        return self.group or ("breath" if self.kind == "breathing" else "body")

    @model_validator(mode="after")
    def _shape_matches_kind(self) -> Exercise:
        if any(minutes not in (1, 2, 3, 5, 10) for minutes in self.durations):
            raise ValueError("durations are minutes chosen from 1, 2, 3, 5, 10")
        if self.kind == "breathing":
            if not self.pattern or self.steps:
                raise ValueError("a breathing exercise has a pattern and no steps")
            labels = {phase.label for phase in self.pattern}
            for locale, text in self.text.items():
                missing = labels - set(text.labels)
                if missing:
                    raise ValueError(f"text.{locale}.labels lacks {', '.join(sorted(missing))}")
        else:
            if not self.steps or self.pattern:
                raise ValueError("a steps exercise has steps and no pattern")
            for locale, text in self.text.items():
                if len(text.steps) != len(self.steps):
                    raise ValueError(f"text.{locale}.steps must have {len(self.steps)} entries")
        return self

    def locales(self) -> list[str]:
        return list(self.text)

    @property
    def cycle_seconds(self) -> float:
        return sum(phase.seconds for phase in self.pattern)


DATA_KINDS: dict[str, tuple[str, type[Strict]]] = {
    "exercise": ("exercises", Exercise),
}


class VocabularyGroup(Strict):
    """A few of the words shown together under a short label, so a long list reads at once."""

    id: str = Field(pattern=ID_PATTERN)
    label: dict[str, str]
    ids: list[str] = Field(min_length=1)


class Vocabulary(Strict):
    """Words a participant may pick (feelings, body sensations), translated per locale."""

    ids: list[str] = Field(min_length=1)
    text: dict[str, dict[str, str]]
    # Optional; when given, every word is in exactly one group.
    groups: list[VocabularyGroup] = Field(default_factory=list)

    def locales(self) -> list[str]:
        return list(self.text)

    @model_validator(mode="after")
    def _every_word_translated(self) -> Vocabulary:
        for locale, words in self.text.items():
            missing = [word for word in self.ids if word not in words]
            if missing:
                raise ValueError(f"text.{locale} lacks {', '.join(missing)}")
        if self.groups:
            grouped = [word for group in self.groups for word in group.ids]
            if sorted(grouped) != sorted(self.ids):
                raise ValueError("groups must hold every word exactly once")
            for group in self.groups:
                if set(group.label) != set(self.text):
                    raise ValueError(f"group {group.id}: a label for each locale of the words")
        return self


DATA_KINDS["vocabulary"] = ("vocabulary", Vocabulary)


LOINC_PATTERN = r"^(LA|LP)?\d{1,8}-\d$"


class AnswerOption(Strict):
    value: int | str
    text: dict[str, str]
    # The LOINC answer code, where LOINC lists this answer for the instrument (LA…).
    loinc: str | None = Field(default=None, pattern=LOINC_PATTERN)


class Condition(Strict):
    """A test on one item's answer (or on the total score): equals, at least, or one of."""

    item: str | None = None
    score: Literal["total"] | None = None
    equals: int | str | None = None
    gte: float | None = None
    any_of: list[int | str] | None = None
    # True: the item was shown and left blank (or "prefer not to say"); never read as 0.
    unanswered: bool | None = None

    @model_validator(mode="after")
    def _one_subject_one_test(self) -> Condition:
        if (self.item is None) == (self.score is None):
            raise ValueError("a condition names either an item or the score")
        tests = (self.equals, self.gte, self.any_of, self.unanswered)
        if sum(x is not None for x in tests) != 1:
            raise ValueError("a condition has exactly one of equals, gte, any_of, unanswered")
        if self.unanswered is not None and self.item is None:
            raise ValueError("unanswered tests an item, not the score")
        return self


class QuestionItem(Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: Literal["choice", "multi", "yesno", "number", "date", "text", "longtext"]
    text: dict[str, str]
    options: str | None = None  # name of a response set, for choice and multi
    min: float | None = None
    max: float | None = None
    required: bool = False
    prefer_not_to_say: bool = False
    show_if: Condition | None = None
    # Items sharing a group are shown together on one phone screen.
    group: str | None = None
    hint: dict[str, str] = Field(default_factory=dict)
    # The item's LOINC question code, where LOINC has one (used by the FHIR export).
    loinc: str | None = Field(default=None, pattern=LOINC_PATTERN)
    # Left blank, the item gets one gentle screen saying why it matters, with "skip anyway".
    confirm_skip: dict[str, str] = Field(default_factory=dict)


class Band(Strict):
    min: float
    max: float
    key: str = Field(pattern=ID_PATTERN)
    label: dict[str, str]
    meaning: dict[str, str]


class Subscale(Strict):
    id: str = Field(pattern=ID_PATTERN)
    items: list[str] = Field(min_length=1)
    label: dict[str, str]


class Scoring(Strict):
    # sum: total of item values (prorated when a few are missing, per max_missing);
    # percent_of_applicable: sum / (6 × answered) × 100, for instruments like the B-IPF
    # whose domains may not apply; none: not scored (intake forms).
    method: Literal["sum", "percent_of_applicable", "none"]
    items: list[str] = Field(default_factory=list)
    reverse: list[str] = Field(default_factory=list)
    item_max: int | None = None
    max_missing: int = 0
    range: tuple[float, float] | None = None
    subscales: list[Subscale] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    # The smallest change the program counts as meaningful, and the reliability used for the
    # reliable change index (from the instrument's literature, cited in `source`).
    meaningful_change: float | None = None
    reliability: float | None = None
    # A reference SD for the reliable change index, only with the published sample it comes
    # from: an uncited SD would dress a guess up as a figure.
    baseline_sd: float | None = None
    baseline_sd_source: str | None = None
    # How the instrument's published rule treats missing items, in words shown with a total
    # that had any (cited in `source`).
    missing_rule: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sd_is_cited(self):
        if self.baseline_sd is not None and not (self.baseline_sd_source or "").strip():
            raise ValueError("baseline_sd needs baseline_sd_source: the sample it comes from")
        return self


class FlagRule(Strict):
    id: str = Field(pattern=ID_PATTERN)
    when: Condition
    level: Literal["urgent", "review"]
    label: dict[str, str]


class Questionnaire(Strict):
    """An instrument or intake form: items per locale, scoring, bands, flag rules, source."""

    version: int = Field(ge=1)
    title: dict[str, str]
    # What a participant reads in their list of check-ins: everyday words, with the
    # instrument's short name beside it in small type, and about how long it takes.
    plain_title: dict[str, str] = Field(default_factory=dict)
    short_name: str | None = Field(default=None, max_length=20)
    minutes: int | None = Field(default=None, ge=1, le=60)
    # Needed before a medicine session (the team reviews it first), so it is asked first.
    before_session: bool = False
    intro: dict[str, str] = Field(default_factory=dict)
    source: str = Field(min_length=3)
    licence: str = Field(min_length=2)
    # original: the instrument's own language; validated: a published validated translation;
    # draft: a translation nobody has validated yet (shown as such to facilitators).
    translation: dict[str, Literal["original", "validated", "draft"]]
    response_sets: dict[str, list[AnswerOption]] = Field(default_factory=dict)
    items: list[QuestionItem] = Field(min_length=1)
    scoring: Scoring
    flags: list[FlagRule] = Field(default_factory=list)
    # LOINC codes for the instrument's panel and its total score, where LOINC has them.
    loinc: str | None = Field(default=None, pattern=LOINC_PATTERN)
    loinc_total: str | None = Field(default=None, pattern=LOINC_PATTERN)

    def locales(self) -> list[str]:
        return list(self.title)

    @model_validator(mode="after")
    def _references_resolve(self) -> Questionnaire:
        ids = [item.id for item in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("two items share an id")
        known = set(ids)
        for item in self.items:
            if item.type in ("choice", "multi") and item.options not in self.response_sets:
                raise ValueError(f"item {item.id}: options must name a response set")
            if item.show_if and item.show_if.item and item.show_if.item not in known:
                raise ValueError(f"item {item.id}: show_if names an unknown item")
            for locale in self.title:
                if locale not in item.text:
                    raise ValueError(f"item {item.id}: text.{locale} is missing")
        scored = set(self.scoring.items) | set(self.scoring.reverse)
        for subscale in self.scoring.subscales:
            scored |= set(subscale.items)
        if scored - known:
            raise ValueError(f"scoring names unknown items: {', '.join(sorted(scored - known))}")
        for rule in self.flags:
            if rule.when.item and rule.when.item not in known:
                raise ValueError(f"flag {rule.id} names an unknown item")
        return self


DATA_KINDS["questionnaire"] = ("questionnaires", Questionnaire)


class ConsentChoice(Strict):
    id: str
    text: str


class ConsentDocument(Strict):
    """A versioned consent text; a new version asks everyone again."""

    title: str = Field(min_length=2)
    version: int = Field(ge=1)
    required: bool = True
    # Every consent can be withdrawn in the app; this says, in the reader's words, what
    # withdrawing this one changes for their data and their part in the program.
    on_withdrawal: str = Field(min_length=10)
    choices: list[ConsentChoice] = Field(default_factory=list)
    provenance: FileProvenance | None = None


KINDS["consent"] = ("consent", ConsentDocument)


class ChecklistOption(Strict):
    id: str
    text: dict[str, str]


class ChecklistItem(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["yes_not_yet_no", "ride", "text", "scale", "choice", "yesno"]
    safety: bool = False
    # The answer that is a hard stop on a safety item: "no" unless it says otherwise (a yes/no
    # question such as "thoughts of harming yourself" stops on "yes").
    stop_if: str | None = None
    # An answer that is no hard stop but that the team should see, as a review flag.
    review_if: str | None = None
    # A risk answer (thoughts of self-harm): the crisis lines are shown as soon as it is saved.
    crisis: bool = False
    # Only true on the day ("I feel physically well today"): before the session's day the item
    # is shown as asked on the day and not answered; on the day, no Ready without it.
    asked_on_the_day: bool = False
    # A short name for the item on the team's flags and board, per locale.
    label: dict[str, str] = Field(default_factory=dict)
    text: dict[str, str]
    not_yet: dict[str, str] = Field(default_factory=dict)
    options: list[ChecklistOption] = Field(default_factory=list)
    low: dict[str, str] = Field(default_factory=dict)
    high: dict[str, str] = Field(default_factory=dict)

    @property
    def stop_answer(self) -> str | None:
        if not self.safety or self.kind not in ("yes_not_yet_no", "yesno"):
            return None
        return self.stop_if or "no"

    @property
    def clear_answer(self) -> str:
        """The answer that needs nothing more: 'yes', or 'no' for an item that stops on yes."""
        return "no" if (self.stop_if == "yes" or self.review_if == "yes") else "yes"


class ChecklistFlag(Strict):
    item: str
    equals: str | int | None = None
    lte: float | None = None
    gte: float | None = None
    level: Literal["urgent", "review"]


class Checklist(Strict):
    """A pre-session checklist or an after-session check-in: items with text per locale."""

    version: int = Field(ge=1)
    fasting_hours: float | None = None
    clear_fluids_hours: float | None = None
    items: list[ChecklistItem] = Field(min_length=1)
    flags: list[ChecklistFlag] = Field(default_factory=list)

    def locales(self) -> list[str]:
        return list(self.items[0].text)

    @model_validator(mode="after")
    def _complete(self) -> Checklist:
        locales = set(self.locales())
        ids = {item.id for item in self.items}
        for item in self.items:
            if set(item.text) != locales:
                raise ValueError(f"item {item.id}: text must cover {', '.join(sorted(locales))}")
            if item.kind == "yes_not_yet_no" and set(item.not_yet) != locales:
                raise ValueError(f"item {item.id}: not_yet must cover every locale")
            if item.label and set(item.label) != locales:
                raise ValueError(f"item {item.id}: label must cover every locale")
        for flag in self.flags:
            if flag.item not in ids:
                raise ValueError(f"flag names an unknown item {flag.item}")
        return self


DATA_KINDS["checklist"] = ("checklists", Checklist)
