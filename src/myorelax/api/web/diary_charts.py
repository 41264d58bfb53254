"""The diary's charts (drawn in the browser by uPlot, static/diary-charts.js): one small chart per
scale, so that no two scales share an axis: pain and stress (0-10), spasm frequency (Penn 0-4),
stiffness (0-10) and sleep (hours), each with the days a regimen started or changed marked."""

from __future__ import annotations

from typing import Any

from myorelax.diary.analysis import DiaryAnalysis
from myorelax.diary.records import RegimenPeriod

EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()

# (chart id, title, unit, y range, series keys with labels)
SCALES: tuple[tuple[str, str, str, tuple[float, float] | None, tuple[tuple[str, str], ...]], ...] = (
    ("pain-stress", "Pain and stress", "0 none to 10 worst", (0, 10),
     (("pain", "Pain"), ("stress", "Stress"))),
    ("spasm", "Spasm frequency", "Penn scale 0-4", (0, 4), (("spasm", "Spasms (Penn)"),)),
    ("stiffness", "Stiffness", "0 none to 10 worst", (0, 10), (("stiffness", "Stiffness"),)),
    ("sleep", "Sleep", "hours", None, (("sleep", "Sleep (hours)"),)),
)  # fmt: skip


def _x(ordinal: int) -> int:
    """Days as uPlot's seconds since 1970, at noon UTC."""
    return (ordinal - EPOCH_ORDINAL) * 86400 + 43200


def diary_charts(
    analysis: DiaryAnalysis, regimens: tuple[RegimenPeriod, ...]
) -> list[dict[str, Any]]:
    """One chart per scale that has at least one value (pain and stress always, so that an
    empty diary still shows where the chart will be)."""
    xs = [_x(d.toordinal()) for d in analysis.days]
    first, last = analysis.start, analysis.end
    marks = [
        {"x": _x(r.start.toordinal()), "label": f"{r.sig} from {r.start}"}
        for r in regimens
        if first <= r.start <= last
    ]
    charts: list[dict[str, Any]] = []
    for chart_id, title, unit, y_range, keys in SCALES:
        series = [
            {"key": key, "label": label, "values": list(analysis.series.get(key, ()))}
            for key, label in keys
        ]
        points = sum(1 for s in series for v in s["values"] if v is not None)
        if not points and chart_id != "pain-stress":
            continue
        top = max((v for s in series for v in s["values"] if v is not None), default=0.0)
        low, high = y_range if y_range is not None else (0.0, max(12.0, float(top)))
        charts.append(
            {
                "id": f"diary-{chart_id}",
                "title": title,
                "unit": unit,
                "range": [low, high],
                "x": xs,
                "series": series,
                "marks": marks,
                "points": points,
            }
        )
    return charts
