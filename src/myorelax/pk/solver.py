"""Exact solution of linear compartment models by modal superposition.

A linear model ``dA/dt = K A + input(t)`` has the solution
``A(t) = sum_i P_i exp(mu_i t) A(0)`` where ``mu_i`` are the eigenvalues of ``K`` and ``P_i`` its
spectral projectors (Sylvester's formula, ``P_i = prod_{j != i} (K - mu_j I) / (mu_i - mu_j)``).
The eigenvalues of these models are known in closed form (absorption ``-ka``; ``-k10``, or
``-alpha`` and ``-beta`` for two compartments; ``-km`` for a metabolite), so nothing is solved
numerically.

Every dose then adds, per mode, a known amount to a *modal state* ``s_i``, and the state decays
exactly between output times: ``s_i(t2) = s_i(t1) exp(-lambda_i (t2 - t1)) + input in (t1, t2]``.
An output is ``sum_i c_i s_i``. This is superposition over doses, evaluated on any sorted output
grid, vectorised over subjects, and costs a few multiply-adds per subject and output time, however
many doses came before. Bolus doses, zero-order infusions (also across output times), lag times,
bioavailability and steady state (an infinite train of earlier doses: a geometric series per mode)
are all exact.

Compartments are numbered as in NONMEM's ADVAN2/4: 1 depot, 2 central, 3 peripheral, and 4 the
metabolite (formed from the parent eliminated from the central compartment). When two
eigenvalues coincide (``ka == k10`` exactly, say) the projectors do not exist; the absorption or
metabolite rate is then moved by a relative 1e-7, which changes concentrations by about as much.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from myorelax.errors import InputError
from myorelax.pk.direct import sweep_direct
from myorelax.pk.kernel import Kernels, compiled_kernels, python_kernels

DEPOT, CENTRAL, PERIPHERAL, METABOLITE = 1, 2, 3, 4

Absorption = Literal["first_order", "iv_bolus", "iv_infusion"]
FloatArray = NDArray[np.float64]

# Up to this many subjects the modal coefficients are computed in plain Python, and up to this
# much work (subjects x doses x output times) the sweep is a direct sum in NumPy (`direct.py`):
# compiling or loading the numba code would cost more than it saves. Larger problems (a
# population) use the compiled kernels.
PYTHON_KERNEL_LIMIT = 64
DIRECT_SUM_LIMIT = 20_000_000


def modes_kernel(subjects: int) -> Kernels:
    return python_kernels() if subjects <= PYTHON_KERNEL_LIMIT else compiled_kernels()


def sweep_kernel(subjects: int, doses: int, times: int) -> Any:
    if subjects <= PYTHON_KERNEL_LIMIT and subjects * max(doses, 1) * times <= DIRECT_SUM_LIMIT:
        return sweep_direct
    return compiled_kernels().sweep


@dataclass(frozen=True)
class Structure:
    """The shape of a model: compartments, absorption and whether a metabolite is followed."""

    compartments: Literal[1, 2]
    absorption: Absorption
    metabolite: bool = False
    oral: bool = False  # an intravenous model that also absorbs oral doses through a depot

    @property
    def has_depot(self) -> bool:
        return self.absorption == "first_order" or self.oral

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes the model describes: oral, intravenous, or both."""
        if self.absorption == "first_order":
            return ("oral",)
        return ("intravenous", "oral") if self.oral else ("intravenous",)

    @property
    def default_cmt(self) -> int:
        """Where a dose goes when the route is not given: the model's first route."""
        return DEPOT if self.absorption == "first_order" else CENTRAL

    def cmt_for(self, route: str) -> int:
        """The compartment a dose by `route` goes into (InputError for a route not modelled)."""
        if route not in self.routes:
            raise InputError(
                f"the model describes {' and '.join(self.routes)} dosing; the {route} route "
                "cannot be simulated",
                field="route",
            )
        return DEPOT if route == "oral" else CENTRAL

    @property
    def present(self) -> tuple[int, ...]:
        """Compartment numbers in the model, in order."""
        out = [DEPOT] if self.has_depot else []
        out.append(CENTRAL)
        if self.compartments == 2:
            out.append(PERIPHERAL)
        if self.metabolite:
            out.append(METABOLITE)
        return tuple(out)


@dataclass(frozen=True)
class Parameters:
    """Per-subject parameters, each an array of shape (n,); units are in the names.

    ``f`` (bioavailability) and ``tlag_h`` apply to doses into the depot. ``fm`` is the fraction
    of eliminated parent converted to the metabolite and ``mw_ratio`` the mass of metabolite per
    mass of parent converted.
    """

    ka_per_h: FloatArray
    cl_l_per_h: FloatArray
    v_l: FloatArray
    q_l_per_h: FloatArray
    v2_l: FloatArray
    tlag_h: FloatArray
    f: FloatArray
    fm: FloatArray
    mw_ratio: FloatArray
    clm_l_per_h: FloatArray
    vm_l: FloatArray

    @property
    def n(self) -> int:
        return int(self.cl_l_per_h.shape[0])


@dataclass(frozen=True)
class Modes:
    """Decay rates (n, m) and, per (input, output) compartment, response coefficients (n, m).

    The amount in compartment ``out`` at time t after a unit bolus into ``in`` at time 0 is
    ``sum_i response[(in, out)][:, i] * exp(-rates[:, i] * t)``.
    """

    rates_per_h: FloatArray
    response: Mapping[tuple[int, int], FloatArray]
    structure: Structure


@dataclass(frozen=True)
class DoseArrays:
    """Flat dosing records (one row per administration, ``addl`` already expanded)."""

    time_h: FloatArray
    amount_mg: FloatArray
    rate_mg_per_h: FloatArray  # 0 for a bolus
    cmt: NDArray[np.int64]
    ss_interval_h: FloatArray  # > 0: the row stands for doses at time, time - ss, time - 2 ss, ...

    @property
    def duration_h(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.rate_mg_per_h > 0, self.amount_mg / self.rate_mg_per_h, 0.0)


def compute_modes(p: Parameters, s: Structure, inputs: tuple[int, ...] | None = None) -> Modes:
    """Eigenvalues in closed form and spectral projectors by Sylvester's formula, per subject,
    for doses into `inputs` (default: every compartment that can be dosed)."""
    present = s.present
    dosable = tuple(c for c in present if c != METABOLITE)
    if inputs is not None:
        bad = [c for c in inputs if c not in dosable]
        if bad:
            raise InputError(f"compartment {bad[0]} cannot be dosed in this model", field="cmt")
        dosable = tuple(sorted(set(inputs)))
    index = {c: i for i, c in enumerate(present)}

    def f64(a: FloatArray) -> FloatArray:
        return np.ascontiguousarray(a, dtype=np.float64)

    n = int(np.asarray(p.cl_l_per_h).shape[0])
    rates, resp = modes_kernel(n).modal_coefficients(
        f64(p.ka_per_h),
        f64(p.cl_l_per_h),
        f64(p.v_l),
        f64(p.q_l_per_h),
        f64(p.v2_l),
        f64(p.fm),
        f64(p.mw_ratio),
        f64(p.clm_l_per_h),
        f64(p.vm_l),
        DEPOT in index,
        s.compartments == 2,
        s.metabolite,
        np.array([index[c] for c in dosable], dtype=np.int64),
    )
    response = {
        (cin, cout): resp[:, j, index[cout], :] for j, cin in enumerate(dosable) for cout in present
    }
    return Modes(rates_per_h=rates, response=response, structure=s)


def superpose(
    modes: Modes,
    doses: DoseArrays,
    grid_h: FloatArray,
    outputs: Mapping[str, tuple[int, FloatArray]],
    *,
    f: FloatArray | None = None,
    tlag_h: FloatArray | None = None,
    dtype: type[np.floating[Any]] = np.float64,
) -> dict[str, NDArray[np.floating[Any]]]:
    """Evaluate outputs on `grid_h` (sorted); each output is (compartment, divisor per subject).

    Returns one array of shape (n, len(grid_h)) per output, in `dtype`: a transposed view of a
    time-major array (each output time is one contiguous row, written once). `f` and `tlag_h`
    (per subject) apply to depot doses.
    """
    grid = np.ascontiguousarray(grid_h, dtype=np.float64)
    if grid.ndim != 1 or (grid.size > 1 and bool(np.any(np.diff(grid) < 0))):
        raise InputError("must be a sorted one-dimensional array", field="grid_h")
    n, m = modes.rates_per_h.shape
    present = modes.structure.present
    for c in np.unique(doses.cmt):
        if int(c) not in present or int(c) == METABOLITE:
            raise InputError(f"compartment {int(c)} cannot be dosed in this model", field="cmt")
    inputs = sorted({int(c) for c in doses.cmt}) or [present[0]]
    for c in inputs:
        if (c, present[0]) not in modes.response:
            raise InputError(f"the modes were computed without inputs into {c}", field="cmt")
    slot = {c: i for i, c in enumerate(inputs)}
    names = list(outputs)
    coef = np.empty((len(names), len(inputs), m, n))
    for o, name in enumerate(names):
        cout, divisor = outputs[name]
        for j, cin in enumerate(inputs):
            coef[o, j] = (
                modes.response[cin, cout] / np.asarray(divisor, dtype=np.float64)[:, None]
            ).T
    out = np.empty((len(names), grid.size, n), dtype=dtype)
    order = np.argsort(doses.time_h, kind="stable")
    doses = DoseArrays(
        time_h=doses.time_h[order],
        amount_mg=doses.amount_mg[order],
        rate_mg_per_h=doses.rate_mg_per_h[order],
        cmt=doses.cmt[order],
        ss_interval_h=doses.ss_interval_h[order],
    )
    sweep_kernel(n, doses.time_h.size, grid.size)(
        np.ascontiguousarray(modes.rates_per_h.T),
        coef,
        np.array([slot[int(c)] for c in doses.cmt], dtype=np.int64),
        np.ascontiguousarray(doses.time_h, dtype=np.float64),
        np.ascontiguousarray(doses.amount_mg, dtype=np.float64),
        np.ascontiguousarray(doses.rate_mg_per_h, dtype=np.float64),
        np.ascontiguousarray(doses.duration_h, dtype=np.float64),
        np.ascontiguousarray(doses.ss_interval_h, dtype=np.float64),
        np.asarray(doses.cmt == DEPOT, dtype=np.bool_),
        np.ones(n) if f is None else np.ascontiguousarray(f, dtype=np.float64),
        np.zeros(n) if tlag_h is None else np.ascontiguousarray(tlag_h, dtype=np.float64),
        grid,
        out,
    )
    return {name: out[o].T for o, name in enumerate(names)}
