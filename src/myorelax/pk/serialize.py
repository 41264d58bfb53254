"""The simulation result as plain data: the JSON contract of `myorelax simulate --json`
(docs/architecture.md) and the rows of its CSV."""

from __future__ import annotations

from typing import Any

import numpy as np

from myorelax.pk.simulate import AUC_UNIT, UNIT, RegimenSimulation

# Units of the model's parameters as the JSON gives them (internal units: mg, L, h). f (a
# fraction), fm (a fraction) and mw (a ratio of molecular weights) have none.
PARAMETER_UNITS = {
    "ka": "1/h",
    "cl": "L/h",
    "v": "L",
    "q": "L/h",
    "v2": "L",
    "tlag": "h",
    "f": "",
    "fm": "",
    "mw": "",
    "clm": "L/h",
    "vm": "L",
}


def _r(x: float | None, digits: int = 6) -> float | None:
    if x is None or not np.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _series(a: Any) -> list[float]:
    return [float(f"{v:.6g}") for v in np.asarray(a, dtype=np.float64)]


def simulation_to_dict(sim: RegimenSimulation, *, include_profiles: bool = True) -> dict[str, Any]:
    """`{"drug", "regimen", "patient", "analytes": [...], "times_h", "concentrations"}` plus the
    model, its effects, the dosing records, notes and the comparison with a typical adult."""
    m = sim.model
    out: dict[str, Any] = {
        "drug": sim.drug,
        "regimen": sim.regimen,
        "patient": sim.patient,
        "comedications": list(sim.comedications),
        "subjects": sim.subjects,
        "seed": sim.seed,
        "tau_h": sim.tau_h,
        "metrics_window_h": list(sim.window_h),
        "analytes": [
            {
                "name": a.name,
                "unit": UNIT,
                "cmax": _r(a.cmax),
                "tmax_h": _r(a.tmax_h, 4),
                "cmin": _r(a.cmin),
                "auc_tau": _r(a.auc_tau),
                "auc_inf": _r(a.auc_inf),
                "auc_unit": AUC_UNIT,
                "half_life_h": _r(a.half_life_h, 4),
                "accumulation_ratio": _r(a.accumulation_ratio, 4),
                "time_to_90pct_steady_state_h": _r(a.time_to_90pct_steady_state_h, 4),
                "time_above_threshold_h": _r(a.time_above_threshold_h, 4),
                "percentiles": (
                    {k: _series(v) for k, v in a.percentiles.items()} if a.percentiles else None
                ),
                "metric_percentiles": a.metric_percentiles,
            }
            for a in sim.analytes
        ],
        "comparison": [
            {
                "analyte": c.analyte,
                "auc_ratio": _r(c.auc_ratio, 4),
                "cmax_ratio": _r(c.cmax_ratio, 4),
                "lower_bound": c.lower_bound,
            }
            for c in sim.comparison
        ]
        or None,
        "model": {
            "drug": m.drug,
            "structure": {
                "compartments": m.structure.compartments,
                "absorption": m.structure.absorption,
                "routes": list(m.structure.routes),
                "metabolite": m.metabolite,
            },
            "derived": m.derived,
            "apparent": m.apparent,
            "source": m.source,
            "typical": {k: _r(m.value(k)) for k, _ in m.typical},
            # the unit of each typical value ("" for a fraction or a ratio): added beside
            # `typical`, which keeps its plain numbers (the JSON contract)
            "typical_units": {k: PARAMETER_UNITS.get(k, "") for k, _ in m.typical},
            "iiv": list(m.iiv),
            "effects": [
                {
                    "parameter": e.parameter,
                    "factor": _r(e.factor, 4),
                    "reason": e.reason,
                    "cause": e.cause,
                    "source": e.source,
                    "section": e.section,
                }
                for e in m.effects
            ],
        },
        "dosing_records": [
            {
                "time": r.time_h,
                "amt": r.amount_mg,
                "ii": r.ii_h,
                "addl": r.addl,
                "rate": r.rate_mg_per_h,
                "cmt": r.cmt,
                "ss": int(r.ss),
            }
            for r in sim.schedule.records
        ],
        # the units of the dosing records' fields, beside them (each record keeps the NONMEM
        # field names and plain numbers: the JSON contract)
        "dosing_record_units": {"time": "h", "amt": "mg", "ii": "h", "rate": "mg/h"},
        "first_dose_clock": sim.schedule.first_clock,
        "notes": list(sim.notes),
        "not_checked": [n.model_dump(mode="json") for n in sim.not_checked],
    }
    if include_profiles:
        out["times_h"] = _series(sim.times_h)
        out["concentrations"] = {a.name: _series(a.concentrations) for a in sim.analytes}
    return out


def simulation_rows(sim: RegimenSimulation) -> tuple[list[str], list[list[float]]]:
    """CSV header and rows: time, then each analyte (typical) and its population band if any."""
    header = ["time_h"]
    cols: list[Any] = [sim.times_h]
    for a in sim.analytes:
        header.append(f"{a.name}_mg_per_l")
        cols.append(a.concentrations)
        if a.percentiles:
            for k in ("p5", "p50", "p95"):
                header.append(f"{a.name}_{k}_mg_per_l")
                cols.append(a.percentiles[k])
    rows = [[float(f"{c[i]:.6g}") for c in cols] for i in range(len(sim.times_h))]
    return header, rows
