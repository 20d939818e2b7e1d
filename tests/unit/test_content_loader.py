"""The loader and `content check`: the shipped bundles are sound, and each broken fixture bundle
is refused with the precise `file: field: problem` line, by the loader, both command lines and
the app factory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ROOT
from app.content import ContentError, load_library
from app.content.__main__ import main as content_main
from tests.unit.content_bundles import (
    week_path,
    write,
    write_base_bundle,
    write_derived_bundle,
    write_meta,
    write_week,
)

SHIPPED = ROOT / "app" / "content" / "bundles"


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_library(root)
    return [str(problem) for problem in raised.value.problems]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def bundles(tmp_path) -> Path:
    root = tmp_path / "bundles"
    write_base_bundle(root)
    return root


# --- The broken fixtures: each breaks one thing in a valid bundle. -------------------------
# (name, how to break the bundles folder, the line `content check` must print, and the
# prefix every printed line starts with, so nothing unrelated is blamed.)


def bad_yaml_in_bundle_yaml(root):
    write(root / "base" / "bundle.yaml", "id: base\nlocales: [en, fr_CA\n")


def bad_yaml_in_front_matter(root):
    write(week_path(root, "base", 4, "en"), "---\ntheme: [unclosed\n---\nBody.\n")


def week_without_intention(root):
    replace_in(week_path(root, "base", 4, "en"), "intention: base intention 4 (en)\n", "")


def unknown_practice_in_a_week(root):
    for locale in ("en", "fr_CA"):
        write_week(root, "base", 4, locale, practices=["breath", "no-such-practice"])


def script_in_a_week_body(root):
    replace_in(week_path(root, "base", 4, "en"), "Some *warm*", "<script>alert(1)</script>\n\nSome")


def img_onerror_in_a_practice_body(root):
    path = root / "base" / "practices" / "breath.en.md"
    write(path, path.read_text() + "\n<img src=x onerror=alert(1)>\n")


def level_one_heading_in_a_session_body(root):
    path = root / "base" / "sessions" / "preparation.en.md"
    write(path, path.read_text() + "\n# A title the sanitiser drops\n")


def missing_translation(root):
    (root / "base" / "practices" / "breath.fr_CA.md").unlink()


def missing_week_in_a_base_bundle(root):
    for locale in ("en", "fr_CA"):
        week_path(root, "base", 12, locale).unlink()


def based_on_an_unknown_bundle(root):
    write_meta(root, "derived", based_on="nowhere")


def bundles_based_on_each_other(root):
    write_meta(root, "alpha", based_on="omega")
    write_meta(root, "omega", based_on="alpha")


def id_not_matching_folder(root):
    replace_in(root / "base" / "bundle.yaml", "id: base", "id: other")


def bundle_yaml_without_licence(root):
    replace_in(root / "base" / "bundle.yaml", "  licence: CC-BY-SA-4.0\n", "")


def folder_without_bundle_yaml(root):
    write(root / "stray" / "weeks" / "01.en.md", "---\ntheme: x\n---\n")


def wrong_file_name(root):
    write(root / "base" / "practices" / "breath_long.en.md", "---\ntitle: x\n---\n")


def week_number_out_of_range(root):
    write(root / "base" / "weeks" / "13.en.md", "---\ntheme: x\n---\n")


def unknown_session_moment(root):
    write(root / "base" / "sessions" / "during.en.md", "---\ntitle: x\n---\n")


def locale_not_in_the_bundle(root):
    write(root / "base" / "practices" / "breath.de.md", "---\ntitle: x\n---\n")


def unknown_folder(root):
    write(root / "base" / "extras" / "breath.en.md", "---\ntitle: x\n---\n")


def unknown_key_in_front_matter(root):
    replace_in(
        root / "base" / "practices" / "breath.en.md", "minutes: 5", "minutes: 5\ncolour: blue"
    )


def prompt_ids_differ_between_locales(root):
    replace_in(week_path(root, "base", 4, "fr_CA"), "id: w04-second", "id: w04-autre")


def practices_differ_between_locales(root):
    write_week(root, "base", 4, "fr_CA", practices=["stretch", "breath"])


def two_prompts_share_an_id(root):
    for locale in ("en", "fr_CA"):
        replace_in(week_path(root, "base", 4, locale), "id: w04-second", "id: w04-first")


BROKEN = [
    (
        bad_yaml_in_bundle_yaml,
        "base/bundle.yaml: (file): not valid YAML: while parsing a flow sequence",
        "base/bundle.yaml",
    ),
    (
        bad_yaml_in_front_matter,
        "base/weeks/04.en.md: (front matter): not valid YAML: while parsing a flow sequence",
        "base/weeks/04.en.md",
    ),
    (
        week_without_intention,
        "base/weeks/04.en.md: intention: Field required",
        "base/weeks/04.en.md",
    ),
    (
        unknown_practice_in_a_week,
        "base/weeks/04.en.md: practices[1]: no practice 'no-such-practice' in this bundle or its "
        "base",
        "base/weeks/04.",
    ),
    (
        script_in_a_week_body,
        "base/weeks/04.en.md: (body): contains HTML or markup that the sanitiser would remove",
        "base/weeks/04.en.md",
    ),
    (
        img_onerror_in_a_practice_body,
        "base/practices/breath.en.md: (body): contains HTML or markup that the sanitiser would "
        "remove",
        "base/practices/breath.en.md",
    ),
    (
        level_one_heading_in_a_session_body,
        "base/sessions/preparation.en.md: (body): contains HTML or markup that the sanitiser "
        "would remove",
        "base/sessions/preparation.en.md",
    ),
    (
        missing_translation,
        "base/practices/breath.fr_CA.md: (file): missing translation (fr_CA)",
        "base/practices/breath.fr_CA.md",
    ),
    (
        missing_week_in_a_base_bundle,
        "base/weeks/12.en.md: (file): missing: a base bundle needs it",
        "base/weeks/12.en.md",
    ),
    (
        based_on_an_unknown_bundle,
        "derived/bundle.yaml: based_on: no bundle named 'nowhere'",
        "derived/bundle.yaml",
    ),
    (
        bundles_based_on_each_other,
        "alpha/bundle.yaml: based_on: bundles are based on each other in a circle",
        "",
    ),
    (
        id_not_matching_folder,
        "base/bundle.yaml: id: must be the folder name 'base'",
        "base/bundle.yaml",
    ),
    (
        bundle_yaml_without_licence,
        "base/bundle.yaml: provenance.licence: Field required",
        "base/bundle.yaml",
    ),
    (
        folder_without_bundle_yaml,
        "stray/bundle.yaml: (file): missing bundle.yaml",
        "stray/bundle.yaml",
    ),
    (
        wrong_file_name,
        "base/practices/breath_long.en.md: (file): file name must be <id>.<locale>.md",
        "base/practices/breath_long.en.md",
    ),
    (
        week_number_out_of_range,
        "base/weeks/13.en.md: (file): week files are named 01 to 12",
        "base/weeks/13.en.md",
    ),
    (
        unknown_session_moment,
        "base/sessions/during.en.md: (file): must be one of preparation, integration",
        "base/sessions/during.en.md",
    ),
    (
        locale_not_in_the_bundle,
        "base/practices/breath.de.md: (file): locale de is not in the bundle's locales",
        "base/practices/breath.de.md",
    ),
    (
        unknown_folder,
        "base/extras/breath.en.md: (file): unknown folder 'extras'",
        "base/extras/breath.en.md",
    ),
    (
        unknown_key_in_front_matter,
        "base/practices/breath.en.md: colour: Extra inputs are not permitted",
        "base/practices/breath.en.md",
    ),
    (
        prompt_ids_differ_between_locales,
        "base/weeks/04.fr_CA.md: prompts: prompt ids differ from the en version",
        "base/weeks/04.fr_CA.md",
    ),
    (
        practices_differ_between_locales,
        "base/weeks/04.fr_CA.md: practices: differs from the en version",
        "base/weeks/04.fr_CA.md",
    ),
    (
        two_prompts_share_an_id,
        "base/weeks/04.en.md: prompts: two prompts share an id",
        "base/weeks/04.",
    ),
]
BROKEN_IDS = [breaker.__name__ for breaker, _line, _prefix in BROKEN]


def test_the_minimal_fixture_bundle_is_itself_sound(bundles):
    library = load_library(bundles)
    assert set(library.bundles) == {"base"}
    assert len(library.bundles["base"].ids("week")) == 12


@pytest.mark.parametrize(("breaker", "line", "prefix"), BROKEN, ids=BROKEN_IDS)
def test_the_loader_refuses_a_broken_bundle_with_the_precise_line(bundles, breaker, line, prefix):
    breaker(bundles)
    lines = problems_of(bundles)
    assert line in lines
    assert all(found.startswith(prefix) for found in lines), lines


@pytest.mark.parametrize(("breaker", "line", "prefix"), BROKEN, ids=BROKEN_IDS)
def test_python_m_app_content_check_prints_the_line_and_exits_1(
    bundles, capsys, breaker, line, prefix
):
    breaker(bundles)
    assert content_main(["check", str(bundles)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert line in printed
    assert printed[-1].endswith("problem(s).")


@pytest.mark.parametrize(("breaker", "line", "prefix"), BROKEN, ids=BROKEN_IDS)
def test_flask_content_check_fails_with_the_line_on_a_bundle_broken_after_start(
    bundles, breaker, line, prefix
):
    application = create_app({"database_url": "sqlite://", "content_root": str(bundles)})
    try:
        breaker(bundles)
        result = application.test_cli_runner().invoke(args=["content", "check"])
    finally:
        application.extensions["tend_engine"].dispose()
    assert result.exit_code == 1
    assert line in result.output.splitlines()
    assert "problem(s) in the content bundles" in result.output


@pytest.mark.parametrize(("breaker", "line", "prefix"), BROKEN, ids=BROKEN_IDS)
def test_the_app_refuses_to_start_on_a_broken_bundle_with_the_same_line(
    bundles, breaker, line, prefix
):
    breaker(bundles)
    with pytest.raises(ContentError) as raised:
        create_app({"database_url": "sqlite://", "content_root": str(bundles)})
    assert line in str(raised.value).splitlines()


def test_every_problem_is_reported_at_once_not_only_the_first(bundles):
    week_without_intention(bundles)
    unknown_folder(bundles)
    missing_translation(bundles)
    lines = problems_of(bundles)
    assert "base/weeks/04.en.md: intention: Field required" in lines
    assert "base/extras/breath.en.md: (file): unknown folder 'extras'" in lines
    assert "base/practices/breath.fr_CA.md: (file): missing translation (fr_CA)" in lines


def test_a_broken_derived_bundle_keeps_the_whole_library_from_loading(bundles):
    write_derived_bundle(bundles, "derived", weeks=(3,))
    write_week(bundles, "derived", 3, "en", practices=["breath", "missing-here"])
    lines = problems_of(bundles)
    assert (
        "derived/weeks/03.en.md: practices[1]: no practice 'missing-here' in this bundle or its "
        "base"
    ) in lines


def test_a_derived_week_may_name_a_practice_of_its_base(bundles):
    write_derived_bundle(bundles, "derived", weeks=(3,))
    library = load_library(bundles)
    assert library.get("week", "03", "en", "derived").item.bundle_id == "derived"


def test_a_missing_content_folder_is_refused(tmp_path):
    lines = problems_of(tmp_path / "nowhere")
    assert lines == [f"{(tmp_path / 'nowhere').resolve()}: (folder): content folder not found"]


def test_a_fixed_bundle_loads_again_after_a_broken_one(bundles):
    script_in_a_week_body(bundles)
    problems_of(bundles)
    write_week(bundles, "base", 4, "en")
    assert "base" in load_library(bundles).bundles


# --- The shipped bundles. ------------------------------------------------------------------


def test_the_shipped_bundles_load_without_a_problem():
    library = load_library(SHIPPED)
    assert {"core", "healthcare-workers", "community-template"} <= set(library.bundles)


def test_flask_content_check_passes_on_the_shipped_bundles(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "All bundles are sound."


def test_python_m_app_content_check_exits_0_on_the_shipped_bundles():
    completed = subprocess.run(
        [sys.executable, "-m", "app.content", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "All bundles are sound." in completed.stdout


def test_python_m_app_content_without_a_command_prints_usage_and_exits_2(capsys):
    assert content_main([]) == 2
    assert "usage" in capsys.readouterr().err


def report_rows(output: str) -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] not in ("bundle", "---"):
            rows[(cells[0], cells[1])] = cells[2:]
    return rows


def test_flask_content_report_prints_a_row_per_bundle_and_locale(runner):
    result = runner.invoke(args=["content", "report"])
    assert result.exit_code == 0, result.output
    library = load_library(SHIPPED)
    expected = {(b.id, code) for b in library.bundles.values() for code in b.meta.locales}
    rows = report_rows(result.output)
    assert set(rows) == expected
    assert rows[("core", "en")][:3] == [
        "12",
        str(len(library.bundles["core"].ids("practice"))),
        "2",
    ]
    assert rows[("core", "fr_CA")][3] == "draft"
    assert rows[("community-template", "en")][4] == "no: awaits approval"
    assert rows[("healthcare-workers", "fr_CA")][4] == "yes"


def test_the_report_counts_what_a_derived_bundle_itself_holds(bundles, capsys):
    write_derived_bundle(bundles, "derived", weeks=(2, 5), locales=("en",))
    assert content_main(["report", str(bundles)]) == 0
    rows = report_rows(capsys.readouterr().out)
    assert set(rows) == {("base", "en"), ("base", "fr_CA"), ("derived", "en")}
    assert rows[("base", "fr_CA")] == ["12", "2", "2", "draft", "yes"]
    assert rows[("derived", "en")] == ["2", "0", "0", "reviewed", "yes"]


def test_the_report_on_a_broken_folder_prints_the_problems_instead(bundles, capsys):
    missing_translation(bundles)
    assert content_main(["report", str(bundles)]) == 1
    out = capsys.readouterr().out
    assert "base/practices/breath.fr_CA.md: (file): missing translation (fr_CA)" in out
    assert "| bundle |" not in out
