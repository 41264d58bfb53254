"""Shared helpers of the PK fit scripts: simulate a candidate model with myorelax's own solver and
summarise it as the papers do (Cmax, Tmax, AUCinf, terminal half-life).

The fits are least squares on log ratios (simulated / reported) of published summary values;
each script prints the fitted parameters and the check table that the monograph quotes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from myorelax.pk import metrics
from myorelax.pk.events import DoseRecord, expand_records
from myorelax.pk.models import Effect, PkModel, with_effects
from myorelax.pk.population import typical_parameters
from myorelax.pk.simulate import simulate
from myorelax.pk.solver import Structure

HOURS = 24.0 * 14
GRID = np.linspace(0.0, HOURS, int(HOURS / 0.01) + 1)


def model(
    values: Mapping[str, float],
    *,
    compartments: int = 1,
    absorption: str = "first_order",
    metabolite: str | None = None,
    effects: Mapping[str, float] | None = None,
    oral: bool = False,
) -> PkModel:
    """A typical-subject model from parameter values (mg, L, h) and optional effect factors."""
    m = PkModel(
        drug="fit",
        analyte="fit",
        metabolite=metabolite,
        structure=Structure(
            compartments=compartments,  # type: ignore[arg-type]
            absorption=absorption,  # type: ignore[arg-type]
            metabolite=metabolite is not None,
            oral=oral,
        ),
        typical=tuple(sorted((k, float(v)) for k, v in values.items())),
    )
    if effects:
        m = with_effects(m, tuple(Effect(k, float(v), "fit") for k, v in effects.items()))
    return m


def profile(m: PkModel, dose_mg: float, analyte: str = "fit", cmt: int | None = None) -> np.ndarray:
    """Concentrations (mg/L) on GRID after one dose of the typical subject into `cmt` (default:
    the model's first route)."""
    cmt = m.structure.default_cmt if cmt is None else cmt
    prof = simulate(m, expand_records([DoseRecord(0.0, dose_mg, cmt)]), GRID)
    return np.asarray(prof.concentrations[analyte], dtype=np.float64)[0]


def summary(
    m: PkModel, dose_mg: float, analyte: str = "fit", cmt: int | None = None
) -> dict[str, float]:
    """Cmax (mg/L), Tmax (h), AUCinf (mg*h/L) and terminal half-life (h) of one dose."""
    conc = profile(m, dose_mg, analyte, cmt)
    cmax, tmax = metrics.cmax_tmax(GRID, conc[None, :], 0.0, HOURS)
    p = typical_parameters(m)
    return {
        "cmax": float(cmax[0]),
        "tmax": float(tmax[0]),
        "auc": float(metrics.auc_inf_single_dose(m, p, dose_mg, cmt)[analyte][0]),
        "t_half": float(metrics.half_lives(m, p, cmt)[analyte][0]),
    }


def at(m: PkModel, dose_mg: float, t: float, analyte: str = "fit", cmt: int | None = None) -> float:
    """Concentration (mg/L) at time t after one dose."""
    return float(np.interp(t, GRID, profile(m, dose_mg, analyte, cmt)))


def log_ratio(simulated: float, reported: float) -> float:
    return math.log(max(simulated, 1e-12) / reported)


def table(rows: list[tuple[str, float, float]]) -> None:
    """Print name, reported, simulated and ratio."""
    for name, rep, sim in rows:
        print(f"  {name:40s} reported {rep:10.4g}  simulated {sim:10.4g}  ratio {sim / rep:5.2f}")
