"""The questionnaire engine: which items show, pages, answer validation, scoring, flag rules.

Pure functions over a definition (content bundle data) and a dict of answers
{item id: value}; a skipped item is absent or None. No database, no Flask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from app.content.schemas import Condition, FlagRule, QuestionItem, Questionnaire

PREFER_NOT = "prefer-not-to-say"
TEXT_MAX = 4000


class AnswerRefused(ValueError):
    """An answer the item cannot take; `reason` is a key the form turns into words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _holds(condition: Condition, value) -> bool:
    if value is None:
        return False
    if condition.equals is not None:
        return value == condition.equals
    if condition.any_of is not None:
        values = value if isinstance(value, list) else [value]
        return any(v in condition.any_of for v in values)
    try:
        return float(value) >= condition.gte
    except (TypeError, ValueError):
        return False


def visible_items(definition: Questionnaire, answers: dict) -> list[QuestionItem]:
    return [
        item
        for item in definition.items
        if item.show_if is None or _holds(item.show_if, answers.get(item.show_if.item))
    ]


def pages(definition: Questionnaire, answers: dict) -> list[list[QuestionItem]]:
    """One screen per item, or per run of items that share a group."""
    result: list[list[QuestionItem]] = []
    for item in visible_items(definition, answers):
        if result and item.group and result[-1][-1].group == item.group:
            result[-1].append(item)
        else:
            result.append([item])
    return result


def first_unanswered_page(definition: Questionnaire, answers: dict, seen: set[str]) -> int:
    """Resume where the person stopped: the first page with an item not yet seen."""
    for index, page in enumerate(pages(definition, answers)):
        if any(item.id not in seen for item in page):
            return index
    return max(0, len(pages(definition, answers)) - 1)


def option_values(definition: Questionnaire, item: QuestionItem) -> list:
    return [option.value for option in definition.response_sets.get(item.options or "", [])]


def parse_answer(definition: Questionnaire, item: QuestionItem, raw: list[str]):
    """The stored value for what the form sent; None when skipped. Refuses what cannot be."""
    values = [v.strip() for v in raw if v is not None and v.strip() != ""]
    if not values:
        if item.required:
            raise AnswerRefused("required")
        return None
    if item.prefer_not_to_say and values == [PREFER_NOT]:
        return PREFER_NOT
    if item.type == "multi":
        allowed = {str(v): v for v in option_values(definition, item)}
        if any(v not in allowed for v in values):
            raise AnswerRefused("not_an_option")
        return [allowed[v] for v in values]
    value = values[0]
    if item.type == "choice":
        allowed = {str(v): v for v in option_values(definition, item)}
        if value not in allowed:
            raise AnswerRefused("not_an_option")
        return allowed[value]
    if item.type == "yesno":
        if value not in ("yes", "no"):
            raise AnswerRefused("not_an_option")
        return value
    if item.type == "number":
        try:
            number = float(value.replace(",", "."))
        except ValueError as exc:
            raise AnswerRefused("not_a_number") from exc
        if math.isnan(number):
            raise AnswerRefused("not_a_number")
        if (item.min is not None and number < item.min) or (
            item.max is not None and number > item.max
        ):
            raise AnswerRefused("out_of_range")
        return int(number) if number.is_integer() else number
    if item.type == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise AnswerRefused("not_a_date") from exc
    if len(value) > TEXT_MAX:
        raise AnswerRefused("too_long")
    return value


@dataclass(frozen=True)
class Score:
    total: float | None
    subscales: dict[str, float]
    band: str | None
    answered: int
    missing: int
    complete: bool  # enough items answered for the instrument's scoring rule


def _numeric(value) -> float | None:
    if isinstance(value, bool) or value is None or value == PREFER_NOT:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _item_value(definition: Questionnaire, item_id: str, answers: dict) -> float | None:
    value = _numeric(answers.get(item_id))
    if value is not None and item_id in definition.scoring.reverse:
        value = definition.scoring.item_max - value
    return value


def _shown(definition: Questionnaire, answers: dict) -> dict:
    """Only the answers to items shown now: one left behind when an earlier answer changed
    (a domain that no longer applies) is neither scored nor flagged."""
    shown = {item.id for item in visible_items(definition, answers)}
    return {item_id: value for item_id, value in answers.items() if item_id in shown}


def score(definition: Questionnaire, answers: dict) -> Score | None:
    """Score by the instrument's own rule; None for forms that are not scored."""
    scoring = definition.scoring
    if scoring.method == "none":
        return None
    answers = _shown(definition, answers)
    values = [_item_value(definition, item_id, answers) for item_id in scoring.items]
    present = [v for v in values if v is not None]
    missing = len(values) - len(present)
    if scoring.method == "percent_of_applicable":
        complete = bool(present)
        possible = len(present) * scoring.item_max
        total = round(sum(present) / possible * 100, 1) if present else None
    else:
        complete = missing <= scoring.max_missing and bool(present)
        # Prorating replaces a few missing items with the mean of those answered; a half point
        # rounds up, as it does when scored by hand.
        total = math.floor(sum(present) * len(values) / len(present) + 0.5) if complete else None
    subscales = {}
    for subscale in scoring.subscales:
        parts = [_item_value(definition, item_id, answers) for item_id in subscale.items]
        if all(p is not None for p in parts):
            subscales[subscale.id] = sum(parts)
    band = None
    if total is not None:
        band = next((b.key for b in scoring.bands if b.min <= total <= b.max), None)
    return Score(total, subscales, band, len(present), missing, complete)


def _rule_holds(rule: FlagRule, answers: dict, result: Score | None) -> bool:
    if rule.when.score == "total":
        return _holds(rule.when, result.total if result else None)
    if rule.when.unanswered:
        # Only an item the person was shown and left blank: one never reached is not "blank".
        return rule.when.item in answers and answers[rule.when.item] in (None, PREFER_NOT)
    return _holds(rule.when, answers.get(rule.when.item))


def fired_flags(definition: Questionnaire, answers: dict, result: Score | None) -> list[FlagRule]:
    answers = _shown(definition, answers)
    return [rule for rule in definition.flags if _rule_holds(rule, answers, result)]


def item_rules(definition: Questionnaire, item_ids) -> list[FlagRule]:
    """The flag rules that test one of these items (not the total): they act on each save."""
    wanted = set(item_ids)
    return [rule for rule in definition.flags if rule.when.item in wanted]


def item_flags(definition: Questionnaire, answers: dict, item_ids) -> list[FlagRule]:
    """The item rules of these items that hold for the answers saved so far."""
    answers = _shown(definition, answers)
    return [rule for rule in item_rules(definition, item_ids) if _rule_holds(rule, answers, None)]
