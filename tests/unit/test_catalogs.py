"""The message catalogs: the template matches the code, and every shipped locale is complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.config import ROOT, Settings

TEMPLATE = ROOT / "translations" / "messages.pot"
SOURCE_LOCALE = "en"


def _msgids(path: Path) -> set:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_template_holds_every_string_in_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = _msgids(fresh) - _msgids(TEMPLATE)
    assert not missing, f"run `make extract`: {len(missing)} string(s) are not in messages.pot"


@pytest.mark.parametrize("locale", [code for code in Settings().locales if code != SOURCE_LOCALE])
def test_every_shipped_locale_is_translated_and_nothing_is_fuzzy(locale):
    catalog_path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not problems, f"{locale}: {len(problems)} untranslated or fuzzy, e.g. {problems[:3]}"
    assert _msgids(catalog_path) >= _msgids(TEMPLATE), f"{locale}: run `make extract`"
