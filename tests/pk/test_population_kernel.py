"""The fused population kernel (sampling, modal coefficients and sweep in one compiled pass)
against the separate steps: the same subjects and the same concentrations."""

from __future__ import annotations

import numpy as np
import pytest

from myorelax.errors import InputError
from myorelax.pk.models import PkModel
from myorelax.pk.population import (
    parameters_from_normals,
    sample_parameters,
    standard_normals,
)
from myorelax.pk.simulate import simulate, simulate_population
from myorelax.pk.solver import CENTRAL, DEPOT, PYTHON_KERNEL_LIMIT, DoseArrays, Structure

N = PYTHON_KERNEL_LIMIT + 37  # compiled, and more than one block per thread


def model(structure: Structure, metabolite: bool) -> PkModel:
    iiv = ("ka", "cl", "v", "tlag")
    var = 0.09
    omega = tuple(
        tuple(var if i == j else (0.3 * var if abs(i - j) == 1 else 0.0) for j in range(4))
        for i in range(4)
    )
    typical = (("ka", 1.1), ("cl", 9.0), ("v", 40.0), ("q", 4.0), ("v2", 70.0), ("tlag", 0.4),
               ("f", 0.8), ("fm", 0.5), ("mw", 0.9), ("clm", 3.0), ("vm", 25.0))  # fmt: skip
    return PkModel(
        drug="t", analyte="t", metabolite="m" if metabolite else None, structure=structure,
        typical=typical, iiv=iiv, omega=omega,
    )  # fmt: skip


def doses(rows: list[tuple[float, float, float, int, float]]) -> DoseArrays:
    a = np.array(rows, dtype=float).reshape(-1, 5)
    return DoseArrays(a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(np.int64), a[:, 4])


CASES = [
    ("2-cpt oral + metabolite, subject lags", Structure(2, "first_order", True),
     [(0, 350, 0, DEPOT, 0), (6, 350, 0, DEPOT, 0), (30, 200, 0, DEPOT, 12)]),
    ("1-cpt oral", Structure(1, "first_order"), [(0, 100, 0, DEPOT, 0), (12.5, 100, 0, DEPOT, 0)]),
    ("2-cpt infusion, steady state", Structure(2, "iv_infusion"),
     [(1.03, 200, 80, CENTRAL, 0), (24, 200, 50, CENTRAL, 12)]),
    ("oral and iv mixed", Structure(2, "first_order"),
     [(0, 100, 0, DEPOT, 0), (3.3, 40, 0, CENTRAL, 0)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "structure", "rows"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_kernel_equals_the_separate_steps(
    name: str, structure: Structure, rows: list, dtype: type[np.floating]
) -> None:
    m = model(structure, structure.metabolite)
    z = standard_normals(m, N, np.random.default_rng(5))
    factors = {"cl": np.linspace(0.5, 1.5, N)}
    grid = np.linspace(0.0, 48.0, 97)
    d = doses(rows)
    fused = simulate_population(m, d, grid, z, factors=factors, dtype=dtype)
    ref = simulate(m, d, grid, parameters_from_normals(m, z, factors=factors), dtype=dtype)
    for k in ref.parameters.__dataclass_fields__:
        np.testing.assert_allclose(getattr(fused.parameters, k), getattr(ref.parameters, k),
                                   rtol=1e-13)  # fmt: skip
    assert set(fused.concentrations) == set(ref.concentrations)
    for k, c in ref.concentrations.items():
        got = fused.concentrations[k]
        assert got.dtype == np.dtype(dtype) and got.shape == (N, grid.size)
        tol = 1e-12 if dtype is np.float64 else 1e-6
        np.testing.assert_allclose(got, c, rtol=tol, atol=tol * float(np.abs(c).max()))


def test_same_seed_same_population_as_sample_parameters() -> None:
    m = model(Structure(2, "first_order"), False)
    a = parameters_from_normals(m, standard_normals(m, N, np.random.default_rng(9)))
    b = sample_parameters(m, N, np.random.default_rng(9))
    np.testing.assert_array_equal(a.cl_l_per_h, b.cl_l_per_h)
    p = simulate_population(m, doses([(0, 1, 0, DEPOT, 0)]), np.arange(3.0),
                            standard_normals(m, N, np.random.default_rng(9))).parameters  # fmt: skip
    np.testing.assert_allclose(p.cl_l_per_h, b.cl_l_per_h, rtol=1e-14)


@pytest.mark.parametrize("n", [PYTHON_KERNEL_LIMIT, N])
def test_out_buffer_is_written_in_place_and_reused(n: int) -> None:
    m = model(Structure(2, "first_order", True), True)
    d = doses([(0, 350, 0, DEPOT, 0), (12, 350, 0, DEPOT, 0)])
    grid = np.arange(0.0, 25.0)
    z = standard_normals(m, n, np.random.default_rng(2))
    fresh = simulate_population(m, d, grid, z, dtype=np.float32)
    buf = np.full((2, grid.size, n), np.nan, dtype=np.float32)
    for _ in range(2):
        again = simulate_population(m, d, grid, z, dtype=np.float32, out=buf)
        for k, c in fresh.concentrations.items():
            np.testing.assert_array_equal(again.concentrations[k], c)
            assert np.shares_memory(again.concentrations[k], buf)
    with pytest.raises(InputError, match="C-contiguous float64"):
        simulate_population(m, d, grid, z, out=buf)
    with pytest.raises(InputError, match="random effect"):
        simulate_population(m, d, grid, z[:, :2])
