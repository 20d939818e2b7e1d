"""A server-rendered SVG of one instrument's scores over administrations, drawn over the
instrument's published severity bands so that even a single score reads against them."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 10, 22


@dataclass(frozen=True)
class BandArea:
    key: str
    label: str
    top: float
    height: float
    label_y: float


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    points: str
    dots: list[tuple[float, float, float]]  # x, y, score
    gridlines: list[tuple[float, float]]  # score, y
    left: int
    right: int
    bands: list[BandArea]


def trend(points, instrument, locale: str = "en") -> Trend | None:
    scored = [p for p in points if p.score is not None and p.score.total is not None]
    if not scored or instrument.scoring.range is None:
        return None
    low, high = instrument.scoring.range
    usable_x, usable_y = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return round(TOP + usable_y * (1 - (value - low) / (high - low)), 1)

    step = usable_x / max(1, len(scored) - 1)
    dots = []
    for index, point in enumerate(scored):
        x = round(LEFT + (index * step if len(scored) > 1 else usable_x / 2), 1)
        dots.append((x, y(point.score.total), point.score.total))
    # Each band runs from its own cut-off to the next band's (the last to the top of the
    # range), so the shading has no gaps between whole-number scores.
    ordered = sorted(instrument.scoring.bands, key=lambda band: band.min)
    areas = []
    for index, band in enumerate(ordered):
        upper = ordered[index + 1].min if index + 1 < len(ordered) else high
        top, bottom = y(upper), y(band.min)
        label = band.label.get(locale) or next(iter(band.label.values()))
        areas.append(BandArea(band.key, label, top, round(bottom - top, 1), round(bottom - 4, 1)))
    cuts = [band.min for band in ordered] or [low, (low + high) / 2, high]
    return Trend(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(f"{x},{yy}" for x, yy, _ in dots),
        dots=dots,
        gridlines=[(value, y(value)) for value in cuts],
        left=LEFT,
        right=WIDTH - RIGHT,
        bands=areas,
    )
