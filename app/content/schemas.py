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
    based_on: str | None = None
    default_locale: str = Field(pattern=LOCALE_PATTERN)
    locales: list[str] = Field(min_length=1)
    title: dict[str, str]
    description: dict[str, str] = Field(default_factory=dict)
    review: dict[str, ReviewStatus]
    provenance: Provenance

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


# kind → (folder, schema). Week ids are two-digit numbers; the others are kebab-case ids.
KINDS: dict[str, tuple[str, type[Strict]]] = {
    "week": ("weeks", Week),
    "practice": ("practices", Practice),
    "session": ("sessions", SessionBlock),
    "guide": ("guide", Guide),
}
SESSION_MOMENTS = ("preparation", "integration")
