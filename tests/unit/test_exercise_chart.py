"""The before/after chart: server-rendered SVG coordinates, calm at the bottom, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.exercises import chart
from app.exercises.services import HistoryPoint

START = datetime(2025, 3, 1, 12, tzinfo=UTC)


def points(*pairs) -> list[HistoryPoint]:
    return [
        HistoryPoint(START + timedelta(days=day), "box-breathing", before, after)
        for day, (before, after) in enumerate(pairs)
    ]


def test_there_is_no_chart_without_a_single_rating():
    assert chart.build([]) is None
    assert chart.build(points((None, None), (None, None))) is None


def test_ten_is_drawn_at_the_top_and_zero_at_the_bottom_of_the_plot():
    drawn = chart.build(points((10, 0)))
    [(_, top)] = drawn.before_dots
    [(_, bottom)] = drawn.after_dots
    assert top == chart.PAD_TOP
    assert bottom == chart.HEIGHT - chart.PAD_BOTTOM
    assert dict(drawn.gridlines) == {10: top, 5: (top + bottom) / 2, 0: bottom}


def test_a_single_record_sits_in_the_middle_of_the_plot():
    drawn = chart.build(points((6, 3)))
    [(x, _)] = drawn.before_dots
    assert x == round(chart.PAD_LEFT + (chart.WIDTH - chart.PAD_LEFT - chart.PAD_RIGHT) / 2, 1)


def test_records_run_left_to_right_across_the_whole_plot_in_order():
    drawn = chart.build(points((7, 4), (6, 5), (8, 2)))
    xs = [x for x, _ in drawn.before_dots]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert xs[0] == drawn.plot_left
    assert xs[-1] == drawn.plot_right
    assert [x for x, _ in drawn.after_dots] == xs


def test_a_calmer_after_rating_is_drawn_lower_than_its_before_rating():
    drawn = chart.build(points((7, 4)))
    assert drawn.after_dots[0][1] > drawn.before_dots[0][1]


def test_a_record_rated_only_before_adds_a_before_dot_and_no_after_dot():
    drawn = chart.build(points((7, 4), (5, None), (None, None)))
    assert len(drawn.before_dots) == 2
    assert len(drawn.after_dots) == 1
    # The unrated record takes no place on the x axis.
    assert drawn.before_dots[1][0] == drawn.plot_right


def test_the_polylines_join_the_dots_in_order():
    drawn = chart.build(points((7, 4), (6, 5)))
    assert drawn.before_points == " ".join(f"{x},{y}" for x, y in drawn.before_dots)
    assert drawn.after_points == " ".join(f"{x},{y}" for x, y in drawn.after_dots)
