"""A small server-rendered SVG of before/after ratings: no script, no library, readable."""

from __future__ import annotations

from dataclasses import dataclass

from app.exercises.services import RATING_MAX, HistoryPoint

WIDTH, HEIGHT = 320, 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 28, 10, 10, 22


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    before_points: str  # "x,y x,y …" for a <polyline>
    after_points: str
    before_dots: list[tuple[float, float]]
    after_dots: list[tuple[float, float]]
    gridlines: list[tuple[int, float]]  # (rating, y)
    plot_left: int
    plot_right: int


def _y(rating: int) -> float:
    usable = HEIGHT - PAD_TOP - PAD_BOTTOM
    return round(PAD_TOP + usable * (1 - rating / RATING_MAX), 1)


def build(points: list[HistoryPoint]) -> Chart | None:
    rated = [p for p in points if p.before is not None or p.after is not None]
    if not rated:
        return None
    usable = WIDTH - PAD_LEFT - PAD_RIGHT
    step = usable / max(1, len(rated) - 1)
    before, after = [], []
    for index, point in enumerate(rated):
        x = round(PAD_LEFT + (index * step if len(rated) > 1 else usable / 2), 1)
        if point.before is not None:
            before.append((x, _y(point.before)))
        if point.after is not None:
            after.append((x, _y(point.after)))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        before_points=" ".join(f"{x},{y}" for x, y in before),
        after_points=" ".join(f"{x},{y}" for x, y in after),
        before_dots=before,
        after_dots=after,
        gridlines=[(rating, _y(rating)) for rating in (0, 5, 10)],
        plot_left=PAD_LEFT,
        plot_right=WIDTH - PAD_RIGHT,
    )
