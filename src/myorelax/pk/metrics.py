"""Exposure metrics from simulated profiles (per subject, vectorised), and the analytic ones.

Areas use the linear-up / log-down trapezoidal rule (exact for a falling exponential, the usual
rule of non-compartmental analysis). Times are hours; concentrations keep their unit (mg/L in the
simulator), so an AUC is in mg*h/L.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from myorelax.pk.models import PkModel
from myorelax.pk.solver import DEPOT, Parameters, compute_modes

FloatArray = NDArray[np.float64]
LN2 = math.log(2.0)


def _window(times: FloatArray, t0: float, t1: float) -> NDArray[np.bool_]:
    return (times >= t0 - 1e-9) & (times <= t1 + 1e-9)


def cmax_tmax(
    times: FloatArray, conc: FloatArray, t0: float, t1: float
) -> tuple[FloatArray, FloatArray]:
    """Peak and time of peak (relative to t0) in [t0, t1], per subject. `conc` is (n, T)."""
    w = _window(times, t0, t1)
    sub = conc[:, w]
    i = np.argmax(sub, axis=1)
    return sub[np.arange(sub.shape[0]), i], times[w][i] - t0


def value_at(times: FloatArray, conc: FloatArray, t: float) -> FloatArray:
    """Concentration at time t (linear interpolation between grid times), per subject."""
    k = int(np.searchsorted(times, t))
    if k < times.size and abs(times[k] - t) < 1e-9:
        return np.asarray(conc[:, k], dtype=np.float64)
    if k == 0 or k >= times.size:
        raise ValueError(f"time {t} h is outside the simulated grid")
    w = (t - times[k - 1]) / (times[k] - times[k - 1])
    return np.asarray(conc[:, k - 1] * (1 - w) + conc[:, k] * w, dtype=np.float64)


def auc(times: FloatArray, conc: FloatArray, t0: float, t1: float) -> FloatArray:
    """AUC over [t0, t1] per subject, linear up / log down. t0 and t1 must be grid times."""
    w = _window(times, t0, t1)
    t = times[w]
    c = np.asarray(conc[:, w], dtype=np.float64)
    if t.size < 2:
        return np.zeros(c.shape[0])
    dt = np.diff(t)
    c1, c2 = c[:, :-1], c[:, 1:]
    linear = 0.5 * (c1 + c2) * dt
    falling = (c2 < c1) & (c2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logd = np.where(falling, (c1 - c2) * dt / np.log(np.where(falling, c1 / c2, 2.0)), 0.0)
    return np.asarray(np.where(falling, logd, linear).sum(axis=1), dtype=np.float64)


def time_above(times: FloatArray, conc: FloatArray, threshold: float) -> FloatArray:
    """Hours above `threshold` per subject (linear interpolation at the crossings)."""
    c = np.asarray(conc, dtype=np.float64) - threshold
    dt = np.diff(times)
    a, b = c[:, :-1], c[:, 1:]
    both = (a > 0) & (b > 0)
    total = np.where(both, dt, 0.0)
    cross = (a > 0) != (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cross, np.where(a > 0, a, b) / np.abs(a - b), 0.0)
    total = total + np.where(cross, frac * dt, 0.0)
    return np.asarray(total.sum(axis=1), dtype=np.float64)


def terminal_rates(
    model: PkModel, params: Parameters, cmt: int | None = None
) -> dict[str, FloatArray]:
    """The slowest disposition rate that shapes each analyte's terminal phase (1/h), for doses
    into `cmt` (default: the model's first route).

    For an oral dose the parent's includes absorption (flip-flop kinetics, when absorption is
    slower than elimination); a metabolite's terminal phase is the slowest of all modes. An
    intravenous dose into a model that also has an oral route skips the absorption mode."""
    s = model.structure
    modes = compute_modes(params, s)
    rates = modes.rates_per_h
    first = 1 if s.has_depot and (cmt if cmt is not None else s.default_cmt) != DEPOT else 0
    last = rates.shape[1] - (1 if model.metabolite else 0)
    out = {model.analyte: rates[:, first:last].min(axis=1)}
    if model.metabolite:
        out[model.metabolite] = rates[:, first:].min(axis=1)
    return out


def half_lives(model: PkModel, params: Parameters, cmt: int | None = None) -> dict[str, FloatArray]:
    return {k: LN2 / v for k, v in terminal_rates(model, params, cmt).items()}


def auc_inf_single_dose(
    model: PkModel, params: Parameters, dose_mg: float, cmt: int | None = None
) -> dict[str, FloatArray]:
    """AUC to infinity of one dose into `cmt` (default: the model's first route), mg*h/L:
    F*Dose/CL (F for oral doses only); metabolite fm*mw*F*Dose/CLm."""
    oral = (cmt if cmt is not None else model.structure.default_cmt) == DEPOT
    f = params.f if oral else np.ones(params.n)
    out = {model.analyte: f * dose_mg / params.cl_l_per_h}
    if model.metabolite:
        out[model.metabolite] = params.fm * params.mw_ratio * f * dose_mg / params.clm_l_per_h
    return out


def time_to_steady_state(rate_per_h: FloatArray, fraction: float = 0.9) -> FloatArray:
    """Hours until exposure reaches `fraction` of steady state: ln(1/(1-fraction))/lambda_z."""
    return np.asarray(-np.log(1.0 - fraction) / rate_per_h, dtype=np.float64)
