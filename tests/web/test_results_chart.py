"""The results chart shades the instrument's published severity bands with their plain
labels, so a single score reads against them, and draws the line between scores over time."""

from __future__ import annotations

import re

from tests.conftest import sign_in
from tests.web.test_questionnaires import answer_phq9, start, text_of

MODERATE = [3, 2, 2, 2, 1, 2, 1, 1, 0]  # 14
MILD = [1, 1, 1, 1, 1, 1, 1, 0, 0]  # 7


def chart_of(client) -> str:
    page = text_of(client.get("/check-ins/results"))
    return page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]


def test_one_score_reads_against_the_shaded_bands_with_their_labels(client, world):
    sign_in(client, world.participant)
    response_id, _ = start(client, "phq-9")
    answer_phq9(client, response_id, MODERATE)
    chart = chart_of(client)
    bands = re.findall(r'<rect class="chart__band chart__band--([\w-]+)"', chart)
    assert bands == ["minimal", "mild", "moderate", "moderately-severe", "severe"], bands
    for label in ("Few or no symptoms", "Moderate symptoms", "Severe symptoms"):
        assert f">{label}</text>" in chart
    # Tick labels sit at the published cut-offs, not at 0 / 13.5 / 27.
    ticks = re.findall(r'<text class="chart__label"[^>]*>(\d+)</text>', chart)
    assert ticks == ["0", "5", "10", "15", "20"], ticks
    assert len(re.findall(r"<circle", chart)) == 1
