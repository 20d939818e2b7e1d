"""Reads, validates and caches every content bundle; the app refuses to start on a broken one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import frontmatter
import yaml
from markupsafe import Markup
from pydantic import ValidationError

from app.config import ROOT
from app.content.render import render_markdown, sanitiser_changes
from app.content.schemas import (
    DATA_KINDS,
    KINDS,
    SESSION_MOMENTS,
    BundleMeta,
    SessionBlock,
    Strict,
    Week,
)

PROGRAM_WEEKS = 12
FILE_NAME = re.compile(
    r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<locale>[a-z]{2,3}(?:_[A-Z]{2})?)\.md$"
)
FOLDER_KINDS = {folder: kind for kind, (folder, _schema) in KINDS.items()}
DATA_FOLDER_KINDS = {folder: kind for kind, (folder, _schema) in DATA_KINDS.items()}
DATA_FILE_NAME = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ContentError(Exception):
    """One or more bundles are broken; every problem is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Item:
    kind: str
    id: str
    locale: str
    bundle_id: str
    path: Path
    data: Strict
    body: Markup


@dataclass
class Bundle:
    meta: BundleMeta
    path: Path
    items: dict[tuple[str, str, str], Item] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.meta.id

    def ids(self, kind: str) -> set[str]:
        return {item_id for (k, item_id, _locale) in self.items if k == kind}


def _relative(path: Path, root: Path) -> str:
    """Shipped bundles are named from the repository root; others from their bundles folder."""
    for base in (ROOT, root):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def _validation_problems(file: str, error: ValidationError) -> list[Problem]:
    problems = []
    for detail in error.errors():
        location = "".join(
            f"[{part}]" if isinstance(part, int) else (f".{part}" if i else str(part))
            for i, part in enumerate(detail["loc"])
        )
        problems.append(Problem(file, location or "(file)", detail["msg"]))
    return problems


def _read_bundle(folder: Path, root: Path, problems: list[Problem]) -> Bundle | None:
    meta_path = folder / "bundle.yaml"
    name = _relative(meta_path, root)
    if not meta_path.is_file():
        problems.append(Problem(name, "(file)", "missing bundle.yaml"))
        return None
    try:
        raw = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        meta = BundleMeta.model_validate(raw)
    except yaml.YAMLError as exc:
        problems.append(Problem(name, "(file)", f"not valid YAML: {exc}".splitlines()[0]))
        return None
    except ValidationError as exc:
        problems.extend(_validation_problems(name, exc))
        return None
    if meta.id != folder.name:
        problems.append(Problem(name, "id", f"must be the folder name {folder.name!r}"))
        return None
    bundle = Bundle(meta=meta, path=folder)
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name == "bundle.yaml" or path.name.startswith("."):
            continue
        _read_item(bundle, path, root, problems)
    return bundle


def _read_item(bundle: Bundle, path: Path, root: Path, problems: list[Problem]) -> None:
    name = _relative(path, root)
    folder = path.parent.relative_to(bundle.path).as_posix()
    if folder in DATA_FOLDER_KINDS:
        _read_data_item(bundle, path, DATA_FOLDER_KINDS[folder], name, problems)
        return
    kind = FOLDER_KINDS.get(folder)
    if kind is None:
        problems.append(Problem(name, "(file)", f"unknown folder {folder!r}"))
        return
    match = FILE_NAME.match(path.name)
    if match is None:
        problems.append(Problem(name, "(file)", "file name must be <id>.<locale>.md"))
        return
    item_id, locale = match["id"], match["locale"]
    if locale not in bundle.meta.locales:
        problems.append(Problem(name, "(file)", f"locale {locale} is not in the bundle's locales"))
        return
    if kind == "week" and not (
        re.fullmatch(r"\d\d", item_id) and 1 <= int(item_id) <= PROGRAM_WEEKS
    ):
        problems.append(Problem(name, "(file)", "week files are named 01 to 12"))
        return
    if kind == "session" and item_id not in SESSION_MOMENTS:
        problems.append(Problem(name, "(file)", f"must be one of {', '.join(SESSION_MOMENTS)}"))
        return
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as exc:
        problems.append(Problem(name, "(front matter)", f"not valid YAML: {exc}".splitlines()[0]))
        return
    schema = KINDS[kind][1]
    try:
        data = schema.model_validate(post.metadata)
    except ValidationError as exc:
        problems.extend(_validation_problems(name, exc))
        return
    if sanitiser_changes(post.content):
        problems.append(
            Problem(name, "(body)", "contains HTML or markup that the sanitiser would remove")
        )
        return
    bundle.items[(kind, item_id, locale)] = Item(
        kind=kind,
        id=item_id,
        locale=locale,
        bundle_id=bundle.id,
        path=path,
        data=data,
        body=render_markdown(post.content),
    )


def _read_data_item(bundle: Bundle, path: Path, kind: str, name: str, problems) -> None:
    """A YAML definition holding every locale's text; it resolves per locale like the rest."""
    match = DATA_FILE_NAME.match(path.name)
    if match is None:
        problems.append(Problem(name, "(file)", "file name must be <id>.yaml"))
        return
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem(name, "(file)", f"not valid YAML: {exc}".splitlines()[0]))
        return
    try:
        data = DATA_KINDS[kind][1].model_validate(raw)
    except ValidationError as exc:
        problems.extend(_validation_problems(name, exc))
        return
    for locale in data.locales():
        if locale not in bundle.meta.locales:
            problems.append(
                Problem(name, f"text.{locale}", "locale is not in the bundle's locales")
            )
            return
    for locale in data.locales():
        bundle.items[(kind, match["id"], locale)] = Item(
            kind=kind,
            id=match["id"],
            locale=locale,
            bundle_id=bundle.id,
            path=path,
            data=data,
            body=Markup(""),
        )


def content_fingerprint(root: Path) -> tuple:
    return tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    )


def load_library(root: Path):
    """The validated library of every bundle under root, or ContentError with every problem."""
    return _load_cached(root.resolve(), content_fingerprint(root))


@lru_cache(maxsize=4)
def _load_cached(root: Path, _fingerprint: tuple):
    from app.content.checks import cross_checks
    from app.content.library import Library

    problems: list[Problem] = []
    bundles = {}
    if not root.is_dir():
        raise ContentError([Problem(str(root), "(folder)", "content folder not found")])
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        bundle = _read_bundle(folder, root, problems)
        if bundle is not None:
            bundles[bundle.id] = bundle
    library = Library(bundles)
    problems.extend(cross_checks(library, lambda p: _relative(p, root)))
    if problems:
        raise ContentError(problems)
    return library


__all__ = ["Bundle", "ContentError", "Item", "Problem", "SessionBlock", "Week", "load_library"]
