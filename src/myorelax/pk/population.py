"""Individuals: typical values, log-normal inter-individual variability (full omega matrix),
per-subject covariate factors, residual error, and percentiles over subjects.

Every random function takes a NumPy `Generator`; the same seed gives the same population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from myorelax.errors import InputError
from myorelax.pk.models import PARAMETERS, PkModel
from myorelax.pk.solver import Parameters

FloatArray = NDArray[np.float64]
MAX_SUBJECTS = 1_000_000
PERCENTILES = (5.0, 50.0, 95.0)


def _check_n(n: int) -> None:
    if not 1 <= n <= MAX_SUBJECTS:
        raise InputError(f"must be between 1 and {MAX_SUBJECTS:,}, not {n}", field="population")


def parameters_from(values: Mapping[str, FloatArray]) -> Parameters:
    return Parameters(
        ka_per_h=values["ka"],
        cl_l_per_h=values["cl"],
        v_l=values["v"],
        q_l_per_h=values["q"],
        v2_l=values["v2"],
        tlag_h=values["tlag"],
        f=values["f"],
        fm=values["fm"],
        mw_ratio=values["mw"],
        clm_l_per_h=values["clm"],
        vm_l=values["vm"],
    )


def typical_parameters(model: PkModel, n: int = 1) -> Parameters:
    """`n` copies of the typical individual (every effect of the model applied)."""
    _check_n(n)
    return parameters_from({p: np.full(n, model.value(p)) for p in PARAMETERS})


def standard_normals(model: PkModel, n: int, rng: np.random.Generator) -> FloatArray:
    """The standard normal draws behind the random effects, (n, len(model.iiv)): the random
    effects are `normals @ omega_cholesky(model).T`, exactly as `Generator.multivariate_normal`
    (method "cholesky") draws them from the same generator state."""
    _check_n(n)
    k = len(model.iiv)
    if k == 0:
        return np.zeros((n, 0))
    return rng.standard_normal((n, k))


def omega_cholesky(model: PkModel) -> FloatArray:
    """The lower Cholesky factor of the model's omega matrix ((0, 0) without variability)."""
    if not model.iiv:
        return np.zeros((0, 0))
    return np.asarray(np.linalg.cholesky(model.omega_matrix), dtype=np.float64)


def sample_etas(model: PkModel, n: int, rng: np.random.Generator) -> FloatArray:
    """Random effects (n, len(model.iiv)) from N(0, omega)."""
    z = standard_normals(model, n, rng)
    return z @ omega_cholesky(model).T if z.shape[1] else z


def check_factors(n: int, factors: Mapping[str, FloatArray] | None) -> dict[str, FloatArray]:
    """Per-subject covariate factors as float64 arrays of shape (n,), by parameter name."""
    out: dict[str, FloatArray] = {}
    for p, f in (factors or {}).items():
        a = np.asarray(f, dtype=np.float64)
        if a.shape != (n,):
            raise InputError(f"needs one factor per subject ({n})", field=f"factors.{p}")
        out[p] = a
    return out


def parameters_from_normals(
    model: PkModel,
    normals: FloatArray,
    *,
    factors: Mapping[str, FloatArray] | None = None,
) -> Parameters:
    """Individuals from standard normal draws (see `standard_normals`): typical value x
    exp(eta) x per-subject covariate factor (if given)."""
    n = int(normals.shape[0])
    _check_n(n)
    etas = normals @ omega_cholesky(model).T if normals.shape[1] else normals
    given = check_factors(n, factors)
    values: dict[str, FloatArray] = {}
    for p in PARAMETERS:
        v = np.full(n, model.value(p))
        if p in model.iiv:
            v = v * np.exp(etas[:, model.iiv.index(p)])
        if p in given:
            v = v * given[p]
        values[p] = v
    return parameters_from(values)


def sample_parameters(
    model: PkModel,
    n: int,
    rng: np.random.Generator,
    *,
    factors: Mapping[str, FloatArray] | None = None,
) -> Parameters:
    """`n` individuals: typical value x exp(eta) x per-subject covariate factor (if given)."""
    return parameters_from_normals(model, standard_normals(model, n, rng), factors=factors)


def add_residual_error(
    concentrations: NDArray[np.floating[Any]],
    model: PkModel,
    rng: np.random.Generator,
) -> NDArray[np.floating[Any]]:
    """Observations from predictions: C (1 + eps_prop) + eps_add, floored at zero."""
    out = np.array(concentrations, copy=True)
    if model.proportional_error:
        out *= 1.0 + rng.normal(0.0, model.proportional_error, size=out.shape)
    if model.additive_error_mg_l:
        out += rng.normal(0.0, model.additive_error_mg_l, size=out.shape)
    return np.maximum(out, 0.0)


def percentiles_over_subjects(
    concentrations: NDArray[np.floating[Any]],
    q: Sequence[float] = PERCENTILES,
) -> FloatArray:
    """Percentiles over subjects (axis 0) at each time: shape (len(q), n_times)."""
    return np.percentile(np.asarray(concentrations, dtype=np.float64), q, axis=0)
