"""The fused population kernel (sampling, modal coefficients and sweep in one compiled pass)
against the separate steps: the same subjects and the same concentrations."""

from __future__ import annotations

import dataclasses

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
from myorelax.pk.solver import (
    CENTRAL,
    DEPOT,
    METABOLITE,
    PYTHON_KERNEL_LIMIT,
    DoseArrays,
    Parameters,
    Structure,
    compute_modes,
    superpose,
)

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


def oracle_and_compiled(
    p: Parameters,
    structure: Structure,
    d: DoseArrays,
    grid: np.ndarray,
    monkeypatch: pytest.MonkeyPatch,
    dtype: type[np.floating] = np.float64,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The direct sum over doses in NumPy (`direct.py`, an independent algorithm) and the
    compiled sweep, for the same subjects."""
    from myorelax.pk import solver

    outputs = {"c": (CENTRAL, p.v_l)}
    if structure.metabolite:
        outputs["m"] = (METABOLITE, p.vm_l)
    monkeypatch.setattr(solver, "DIRECT_SUM_LIMIT", 10**12)
    monkeypatch.setattr(solver, "PYTHON_KERNEL_LIMIT", 10**9)
    direct = superpose(compute_modes(p, structure), d, grid, outputs, f=p.f, tlag_h=p.tlag_h)
    monkeypatch.setattr(solver, "DIRECT_SUM_LIMIT", 0)
    monkeypatch.setattr(solver, "PYTHON_KERNEL_LIMIT", 0)
    compiled = superpose(
        compute_modes(p, structure), d, grid, outputs, f=p.f, tlag_h=p.tlag_h, dtype=dtype
    )
    return direct, compiled


def subjects(n: int, **fixed: float) -> Parameters:
    """n varied subjects (no lag, so that the compiled sweep takes whole tiles through runs of
    output times), with the given parameters fixed."""
    rng = np.random.default_rng(n)
    base = {"ka": 1.1, "cl": 9.0, "v": 40.0, "q": 4.0, "v2": 70.0, "tlag": 0.0, "f": 0.8,
            "fm": 0.5, "mw": 0.9, "clm": 3.0, "vm": 25.0}  # fmt: skip
    a = {k: np.full(n, v) * (1.0 if k in ("tlag", "f") else np.exp(rng.normal(0.0, 0.3, n)))
         for k, v in base.items()}  # fmt: skip
    a.update({k: np.full(n, v) for k, v in fixed.items()})
    return Parameters(
        ka_per_h=a["ka"], cl_l_per_h=a["cl"], v_l=a["v"], q_l_per_h=a["q"], v2_l=a["v2"],
        tlag_h=a["tlag"], f=a["f"], fm=a["fm"], mw_ratio=a["mw"], clm_l_per_h=a["clm"],
        vm_l=a["vm"],
    )  # fmt: skip


RUNS = [
    ("2-cpt oral, hourly, doses on the grid", Structure(2, "first_order"), np.arange(0.0, 61.0),
     [(0, 350, 0, DEPOT, 0), (12, 350, 0, DEPOT, 0), (24, 100, 0, DEPOT, 0), (29, 70, 0, DEPOT, 0)]),
    ("two boluses at one time into one input", Structure(2, "first_order"), np.arange(0.0, 30.0),
     [(0, 350, 0, DEPOT, 0), (6, 100, 0, DEPOT, 0), (6, 50, 0, DEPOT, 0)]),
    ("boluses between output times", Structure(2, "first_order"), np.arange(0.0, 30.0),
     [(0.5, 350, 0, DEPOT, 0), (6.25, 100, 0, DEPOT, 0), (13, 10, 0, DEPOT, 0)]),
    ("step changes within a run", Structure(2, "first_order"),
     np.r_[np.arange(0.0, 10.0), np.arange(10.0, 20.0, 0.5), np.arange(20.0, 26.0, 0.25)],
     [(0, 350, 0, DEPOT, 0), (12, 350, 0, DEPOT, 0)]),
    ("1-cpt oral", Structure(1, "first_order"), np.arange(0.0, 49.0),
     [(0, 100, 0, DEPOT, 0), (8, 100, 0, DEPOT, 0), (16, 100, 0, DEPOT, 0)]),
    ("2-cpt iv boluses", Structure(2, "iv_bolus"), np.arange(0.0, 49.0),
     [(0, 100, 0, CENTRAL, 0), (8, 100, 0, CENTRAL, 0)]),
    ("oral and iv in one run", Structure(2, "first_order", oral=False), np.arange(0.0, 40.0),
     [(0, 100, 0, DEPOT, 0), (5, 40, 0, CENTRAL, 0), (5, 60, 0, DEPOT, 0), (9, 40, 0, CENTRAL, 0)]),
    ("metabolite, infusion then boluses", Structure(2, "first_order", True), np.arange(0.0, 49.0),
     [(0, 100, 0, DEPOT, 0), (3, 50, 25, CENTRAL, 0), (12, 100, 0, DEPOT, 0),
      (24, 100, 0, DEPOT, 12)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "structure", "grid", "rows"), RUNS, ids=[r[0] for r in RUNS])
@pytest.mark.parametrize("n", [1, 7, 259, 1000])
def test_runs_of_output_times_equal_the_direct_sum(
    name: str,
    structure: Structure,
    grid: np.ndarray,
    rows: list,
    n: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The compiled sweep takes tiles of subjects through whole runs of output times (plain
    boluses on an output time folded in, anything else ending the run), writing whole vectors
    of each row straight to memory and the unaligned ends one by one: any number of subjects,
    any mix of doses, equal to the direct sum over doses."""
    if name.startswith("oral and iv"):
        structure = Structure(2, "iv_bolus", oral=True)
    p = subjects(n)
    direct, compiled = oracle_and_compiled(p, structure, doses(rows), grid, monkeypatch)
    for k, c in direct.items():
        np.testing.assert_allclose(compiled[k], c, rtol=1e-12, atol=1e-14 * float(np.abs(c).max()))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_absorption_rate_close_to_elimination(
    dtype: type[np.floating], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ka within a relative 1e-9 to 1e-3 of k10 (one compartment) and of alpha (two): the modes
    cancel heavily (coefficients of opposite signs up to 1e7 times the result), which limits
    the agreement of two float64 algorithms to about 1e-9; the compiled sweep equals the direct
    sum to that, and float32 output is its rounding, on every output time of a month of doses
    (the modal states stay in float64 whatever the output's dtype)."""
    grid = np.arange(0.0, 337.0)
    d = doses([(12.0 * i, 350, 0, DEPOT, 0) for i in range(28)])
    gaps = np.array([1e-9, -1e-8, 1e-7, -1e-6, 1e-5, -1e-4, 1e-3, 0.0])
    for structure in (Structure(1, "first_order"), Structure(2, "first_order")):
        p = subjects(gaps.size)
        k10 = p.cl_l_per_h / p.v_l
        if structure.compartments == 2:
            k12, k21 = p.q_l_per_h / p.v_l, p.q_l_per_h / p.v2_l
            a = k10 + k12 + k21
            k10 = 0.5 * (a + np.sqrt(a * a - 4.0 * k10 * k21))  # alpha
        p = Parameters(**{**p.__dict__, "ka_per_h": k10 * (1.0 + gaps)})
        direct, compiled = oracle_and_compiled(p, structure, d, grid, monkeypatch, dtype)
        c, got = direct["c"], compiled["c"]
        assert got.dtype == np.dtype(dtype)
        rel = np.abs(got.astype(np.float64) - c) / np.abs(c).max(axis=1, keepdims=True)
        assert float(rel.max()) <= (1e-8 if dtype is np.float64 else 1e-6)
        assert np.all(np.abs(c[:, 1:]) > 0.0)


def test_out_buffer_need_not_be_aligned() -> None:
    """A C-contiguous out buffer at any address (one element past a cache line, or one byte past
    an element) gets the same numbers as a fresh array."""
    m = model(Structure(2, "first_order"), False)
    d = doses([(0, 350, 0, DEPOT, 0), (12, 350, 0, DEPOT, 0)])
    grid = np.arange(0.0, 40.0)
    n = PYTHON_KERNEL_LIMIT + 101
    z = standard_normals(m, n, np.random.default_rng(3))
    for dtype in (np.float64, np.float32):
        fresh = simulate_population(m, d, grid, z, dtype=dtype).concentrations["t"]
        raw = np.zeros(grid.size * n + 16, dtype=dtype)
        start = (-raw.ctypes.data % 64) // raw.itemsize + 1
        buf = raw[start : start + grid.size * n].reshape(1, grid.size, n)
        got = simulate_population(m, d, grid, z, dtype=dtype, out=buf).concentrations["t"]
        np.testing.assert_array_equal(got, fresh)
        assert raw[start - 1] == 0 and raw[start + grid.size * n] == 0
        size = np.dtype(dtype).itemsize
        odd = np.frombuffer(bytearray(grid.size * n * size + 1), dtype=dtype, offset=1)
        assert not odd.flags.aligned
        got = simulate_population(
            m, d, grid, z, dtype=dtype, out=odd.reshape(1, grid.size, n)
        ).concentrations["t"]
        np.testing.assert_array_equal(got, fresh)


FLOAT32_CASES = [
    ("2-cpt oral", Structure(2, "first_order")),
    ("1-cpt oral", Structure(1, "first_order")),
    ("2-cpt oral + metabolite", Structure(2, "first_order", True)),
    ("2-cpt iv", Structure(2, "iv_bolus")),
]


@pytest.mark.parametrize(("name", "structure"), FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
@pytest.mark.parametrize("n", [PYTHON_KERNEL_LIMIT + 1, 2048 + 37, 5000])
def test_float32_output_is_the_float64_result_rounded(
    name: str, structure: Structure, n: int
) -> None:
    """Float32 output is the float64 sweep's result rounded once (the same arithmetic in the
    same order, in float64, whatever the tile of subjects per pass: 2048 for float32 output,
    256 for float64), bit for bit, in the fused population kernel and in the separate steps,
    for numbers of subjects that end a tile or a block part way."""
    m = model(structure, structure.metabolite)
    m = dataclasses.replace(m, iiv=m.iiv[:3], omega=tuple(r[:3] for r in m.omega[:3]))  # no lag
    d = doses([(12.0 * i, 350, 0, structure.default_cmt, 0) for i in range(5)])
    grid = np.arange(0.0, 61.0)
    z = standard_normals(m, n, np.random.default_rng(4))
    c64 = simulate_population(m, d, grid, z, dtype=np.float64).concentrations
    c32 = simulate_population(m, d, grid, z, dtype=np.float32).concentrations
    p = parameters_from_normals(m, z)
    s64 = simulate(m, d, grid, p, dtype=np.float64).concentrations
    s32 = simulate(m, d, grid, p, dtype=np.float32).concentrations
    for k, c in c64.items():
        np.testing.assert_array_equal(c32[k], c.astype(np.float32))
        np.testing.assert_array_equal(s32[k], s64[k].astype(np.float32))


def test_a_model_without_random_effects_gives_every_subject_the_typical_profile() -> None:
    """A model with no variability (a site's model, or one published without IIV): the fused
    pass takes zero normals per subject and every subject is the typical one (it raised
    "cannot reshape array of size 0" before)."""
    m = dataclasses.replace(model(Structure(2, "first_order"), False), iiv=(), omega=())
    d = doses([(0, 350, 0, DEPOT, 0), (12, 350, 0, DEPOT, 0)])
    grid = np.linspace(0.0, 24.0, 49)
    z = standard_normals(m, N, np.random.default_rng(1))
    assert z.shape == (N, 0)
    got = simulate_population(m, d, grid, z)
    typical = simulate(m, d, grid, parameters_from_normals(m, z[:1]))
    for k, c in got.concentrations.items():
        np.testing.assert_allclose(c, np.broadcast_to(typical.concentrations[k], c.shape),
                                   rtol=1e-12)  # fmt: skip
