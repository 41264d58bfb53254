"""Chart data for the web pages (drawn in the browser by uPlot): the concentration curve of this
patient beside a typical adult with the population's 5th-95th percentile band, and the diary's
daily series with the days a regimen changed."""

from __future__ import annotations

from typing import Any

import numpy as np

from myorelax.diary.analysis import DiaryAnalysis
from myorelax.diary.records import RegimenPeriod
from myorelax.pk.simulate import RegimenSimulation


def _rounded(values: Any, scale: float = 1.0) -> list[float | None]:
    out: list[float | None] = []
    for v in np.asarray(values, dtype=np.float64) * scale:
        out.append(float(f"{v:.4g}") if np.isfinite(v) else None)
    return out


def simulation_charts(
    this: RegimenSimulation, typical: RegimenSimulation
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One chart per analyte (parent, then active metabolite) and a summary table."""
    charts: list[dict[str, Any]] = []
    reference = {a.name: a for a in typical.analytes}
    for a in this.analytes:
        ref = reference.get(a.name)
        peak = max(float(np.max(a.concentrations)),
                   float(np.max(ref.concentrations)) if ref is not None else 0.0)  # fmt: skip
        if a.percentiles:
            peak = max(peak, float(np.max(a.percentiles["p95"])))
        # mg/L is mcg/mL; small concentrations read better in ng/mL.
        unit, scale = ("ng/mL", 1000.0) if peak < 1.0 else ("mcg/mL", 1.0)
        series: list[dict[str, Any]] = [
            {"label": "This patient", "values": _rounded(a.concentrations, scale)}
        ]
        if ref is not None:
            series.append({"label": "Typical adult", "values": _rounded(ref.concentrations, scale)})
        if a.percentiles:
            series.append({"label": "Population 5th percentile", "band": "low",
                           "values": _rounded(a.percentiles["p5"], scale)})  # fmt: skip
            series.append({"label": "Population 95th percentile", "band": "high",
                           "values": _rounded(a.percentiles["p95"], scale)})  # fmt: skip
        charts.append(
            {
                "id": f"chart-{a.name}",
                "title": f"{a.name.capitalize()} concentration",
                "unit": unit,
                "x_label": "hours from the first dose",
                "x": _rounded(this.times_h),
                "series": series,
            }
        )
    ratios = {c.analyte: c for c in this.comparison}
    rows = []
    for a in this.analytes:
        ref = reference.get(a.name)
        c = ratios.get(a.name)
        rows.append(
            {
                "analyte": a.name,
                "cmax_mg_l": a.cmax,
                "tmax_h": a.tmax_h,
                "half_life_h": a.half_life_h,
                "typical_cmax_mg_l": ref.cmax if ref is not None else None,
                "auc_ratio": c.auc_ratio if c is not None else None,
                "cmax_ratio": c.cmax_ratio if c is not None else None,
            }
        )
    summary = {
        "regimen": this.regimen,
        "subjects": this.subjects,
        "comedications": list(this.comedications),
        "rows": rows,
        "notes": list(this.notes),
    }
    return charts, summary


def diary_chart(analysis: DiaryAnalysis, regimens: tuple[RegimenPeriod, ...]) -> dict[str, Any]:
    """Daily pain, stress, spasm frequency and sleep over the window, with each regimen start or
    change inside it marked (x is days since 1970-01-01 at noon UTC, as uPlot takes seconds)."""
    xs = [
        (d.toordinal() - 719163) * 86400 + 43200  # 719163 = date(1970, 1, 1).toordinal()
        for d in analysis.days
    ]
    labels = {
        "pain": "Pain (0-10)",
        "stress": "Stress (0-10)",
        "spasm": "Spasm frequency (Penn 0-4)",
        "sleep": "Sleep (hours)",
    }
    series = [
        {"key": key, "label": label, "values": list(analysis.series.get(key, ()))}
        for key, label in labels.items()
    ]
    first, last = analysis.start, analysis.end
    marks = [
        {"x": (r.start.toordinal() - 719163) * 86400 + 43200, "label": f"{r.sig} from {r.start}"}
        for r in regimens
        if first <= r.start <= last
    ]
    return {"id": "diary-chart", "x": xs, "series": series, "marks": marks}
