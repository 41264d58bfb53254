"""Chart data for the web pages (drawn in the browser by uPlot): the concentration curve of this
patient beside a typical adult with the population's 5th-95th percentile band, and the diary's
daily series with the days a regimen changed."""

from __future__ import annotations

from typing import Any

import numpy as np

from myorelax.pk.simulate import RegimenSimulation


def _rounded(values: Any, scale: float = 1.0) -> list[float | None]:
    out: list[float | None] = []
    for v in np.asarray(values, dtype=np.float64) * scale:
        out.append(float(f"{v:.4g}") if np.isfinite(v) else None)
    return out


def _same(a: Any, b: Any) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=1e-3, atol=1e-9))


def simulation_charts(
    this: RegimenSimulation, typical: RegimenSimulation, *, acting: list[str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One chart per analyte (parent, then active metabolite) and a summary table, in one unit
    per analyte (mg/L, or ng/mL for small concentrations) for the axis and the table alike, with
    plain sentences where the picture alone could mislead: this patient's curve equal to the
    typical adult's (the two lines coincide), co-medications that change nothing. `acting`: the
    co-medications with a recorded effect on this drug's exposure."""
    charts: list[dict[str, Any]] = []
    reference = {a.name: a for a in typical.analytes}
    units: dict[str, tuple[str, float]] = {}
    for a in this.analytes:
        ref = reference.get(a.name)
        peak = max(float(np.max(a.concentrations)),
                   float(np.max(ref.concentrations)) if ref is not None else 0.0)  # fmt: skip
        if a.percentiles:
            peak = max(peak, float(np.max(a.percentiles["p95"])))
        # small concentrations read better in ng/mL (1 mg/L = 1000 ng/mL)
        unit, scale = ("ng/mL", 1000.0) if peak < 1.0 else ("mg/L", 1.0)
        units[a.name] = (unit, scale)
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
                "same_as_typical": ref is not None and _same(a.concentrations, ref.concentrations),
            }
        )
    ratios = {c.analyte: c for c in this.comparison}
    rows = []
    for a in this.analytes:
        ref = reference.get(a.name)
        c = ratios.get(a.name)
        unit, scale = units[a.name]
        rows.append(
            {
                "analyte": a.name,
                "unit": unit,
                "cmax": a.cmax * scale,
                "tmax_h": a.tmax_h,
                "half_life_h": a.half_life_h,
                "typical_cmax": ref.cmax * scale if ref is not None else None,
                "auc_ratio": c.auc_ratio if c is not None else None,
                "cmax_ratio": c.cmax_ratio if c is not None else None,
                "at_least": "at least " if c is not None and c.lower_bound else "",
            }
        )
    comeds = list(this.comedications)
    acting = [n for n in comeds if n in (acting or [])]
    still = [n for n in comeds if n not in acting]
    sentences: list[str] = []
    if charts and all(c["same_as_typical"] for c in charts):
        sentences.append(
            "This patient's curve is the typical adult's: nothing recorded about this patient "
            "changes the model, so the two lines lie on top of each other."
        )
    if acting:
        sentences.append(f"Co-medications that change the curve: {', '.join(acting)} (from the "
                         "interaction knowledge; see the model notes).")  # fmt: skip
    if still:
        sentences.append(f"{'Co-medications' if len(still) > 1 else 'The co-medication'} "
                         f"{', '.join(still)} change{'' if len(still) > 1 else 's'} nothing in "
                         "this curve: no effect on its exposure is recorded.")  # fmt: skip
    # co-medications that could not be identified: their effect is unknown, said first
    sentences[:0] = [n.detail for n in this.not_checked]
    summary = {
        "regimen": this.regimen,
        "subjects": this.subjects,
        "comedications": comeds,
        "sentences": sentences,
        "rows": rows,
        "notes": list(this.notes),
        "not_checked": [n.model_dump(mode="json") for n in this.not_checked],
    }
    return charts, summary
