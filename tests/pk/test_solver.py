"""The exact solver against independent oracles: a numerical ODE solution (SciPy LSODA at tight
tolerances), superposition, AUC = F*Dose/CL, mass balance, steady-state formulas, linearity."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from myorelax.errors import InputError
from myorelax.pk.solver import (
    CENTRAL,
    DEPOT,
    METABOLITE,
    PERIPHERAL,
    DoseArrays,
    Parameters,
    Structure,
    compute_modes,
    superpose,
)

RTOL = 1e-6


def params(n: int = 1, **kw: float) -> Parameters:
    base = {"ka": 1.2, "cl": 10.0, "v": 50.0, "q": 5.0, "v2": 80.0, "tlag": 0.0, "f": 0.8}
    base |= {"fm": 0.6, "mw": 0.8, "clm": 4.0, "vm": 30.0}
    base.update(kw)
    a = {k: np.full(n, float(v)) for k, v in base.items()}
    return Parameters(
        ka_per_h=a["ka"], cl_l_per_h=a["cl"], v_l=a["v"], q_l_per_h=a["q"], v2_l=a["v2"],
        tlag_h=a["tlag"], f=a["f"], fm=a["fm"], mw_ratio=a["mw"], clm_l_per_h=a["clm"], vm_l=a["vm"],
    )  # fmt: skip


def doses(rows: list[tuple[float, float, float, int, float]]) -> DoseArrays:
    a = np.array(rows, dtype=float).reshape(-1, 5)
    return DoseArrays(
        time_h=a[:, 0], amount_mg=a[:, 1], rate_mg_per_h=a[:, 2],
        cmt=a[:, 3].astype(np.int64), ss_interval_h=a[:, 4],
    )  # fmt: skip


def run(p: Parameters, s: Structure, d: DoseArrays, grid: np.ndarray) -> dict[str, np.ndarray]:
    outputs = {"c": (CENTRAL, p.v_l)}
    if s.metabolite:
        outputs["m"] = (METABOLITE, p.vm_l)
    out = superpose(compute_modes(p, s), d, grid, outputs, f=p.f, tlag_h=p.tlag_h)
    return {k: np.asarray(v[0]) for k, v in out.items()}


def ode(p: Parameters, s: Structure, d: DoseArrays, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Reference: integrate the ODEs piecewise between dosing events."""
    g = {k: float(getattr(p, k)[0]) for k in p.__dataclass_fields__}
    k10 = g["cl_l_per_h"] / g["v_l"]
    k12 = g["q_l_per_h"] / g["v_l"] if s.compartments == 2 else 0.0
    k21 = g["q_l_per_h"] / g["v2_l"] if s.compartments == 2 else 0.0
    km = g["clm_l_per_h"] / g["vm_l"]
    ka = g["ka_per_h"]
    infusions = [
        (t + (g["tlag_h"] if c == DEPOT else 0), t + (g["tlag_h"] if c == DEPOT else 0) + a / r, r * (g["f"] if c == DEPOT else 1), c)
        for t, a, r, c in zip(d.time_h, d.amount_mg, d.rate_mg_per_h, d.cmt, strict=True)
        if r > 0
    ]  # fmt: skip

    def rhs(t: float, y: np.ndarray) -> list[float]:
        dep, cen, per, met = y
        inp = [0.0] * 4
        for a, b, r, c in infusions:
            if a <= t < b:
                inp[c - 1] += r
        return [
            -ka * dep + inp[0],
            ka * dep - (k10 + k12) * cen + k21 * per + inp[1],
            k12 * cen - k21 * per + inp[2],
            g["fm"] * g["mw_ratio"] * k10 * cen - km * met,
        ]

    boluses = sorted(
        (t + (g["tlag_h"] if c == DEPOT else 0), a * (g["f"] if c == DEPOT else 1), c)
        for t, a, r, c in zip(d.time_h, d.amount_mg, d.rate_mg_per_h, d.cmt, strict=True)
        if r == 0
    )
    breaks = sorted(
        {0.0, float(grid[-1])} | {b[0] for b in boluses} | {x for i in infusions for x in i[:2]}
    )
    y = np.zeros(4)
    res_c = np.full(grid.size, np.nan)
    res_m = np.full(grid.size, np.nan)
    for a, b in itertools.pairwise(breaks):
        for t, amt, c in boluses:
            if t == a:
                y[c - 1] += amt
        sol = solve_ivp(rhs, (a, b), y, method="LSODA", rtol=1e-12, atol=1e-14, dense_output=True)
        sel = (grid >= a) & (grid <= b)
        vals = sol.sol(grid[sel])
        res_c[sel] = vals[1] / g["v_l"]
        res_m[sel] = vals[3] / g["vm_l"]
        y = sol.y[:, -1].copy()
    return {"c": res_c, "m": res_m}


def assert_close(a: np.ndarray, b: np.ndarray) -> None:
    scale = np.max(np.abs(b))
    assert np.max(np.abs(a - b)) <= RTOL * scale, np.max(np.abs(a - b)) / scale


CASES = [
    ("1-cpt oral", Structure(1, "first_order"), [(0, 100, 0, DEPOT, 0), (12, 100, 0, DEPOT, 0)], {}),
    ("2-cpt oral, lag", Structure(2, "first_order"), [(0, 100, 0, DEPOT, 0), (8, 50, 0, DEPOT, 0)], {"tlag": 0.43}),
    ("2-cpt oral + metabolite", Structure(2, "first_order", True), [(0, 350, 0, DEPOT, 0), (6, 350, 0, DEPOT, 0)], {}),
    ("1-cpt oral + metabolite", Structure(1, "first_order", True), [(0, 350, 0, DEPOT, 0)], {}),
    ("1-cpt iv bolus", Structure(1, "iv_bolus"), [(0, 175, 0, CENTRAL, 0), (24, 175, 0, CENTRAL, 0)], {}),
    ("2-cpt iv infusion across outputs", Structure(2, "iv_infusion"), [(1.03, 200, 80, CENTRAL, 0)], {}),
    ("oral and iv mixed", Structure(1, "first_order"), [(0, 100, 0, DEPOT, 0), (3.3, 40, 0, CENTRAL, 0)], {}),
    ("iv model with an oral route, mixed", Structure(2, "iv_bolus", oral=True), [(0, 175, 0, CENTRAL, 0), (6, 100, 0, DEPOT, 0), (20, 60, 30, CENTRAL, 0)], {"tlag": 0.3}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "structure", "rows", "kw"), CASES, ids=[c[0] for c in CASES])
def test_exact_solution_matches_ode(name: str, structure: Structure, rows: list, kw: dict) -> None:
    p = params(**kw)
    d = doses(rows)
    grid = np.linspace(0, 48, 193)
    got, ref = run(p, structure, d, grid), ode(p, structure, d, grid)
    assert_close(got["c"], ref["c"])
    if structure.metabolite:
        assert_close(got["m"], ref["m"])


def test_subject_specific_lag_matches_the_shared_lag_path() -> None:
    """Two subjects with different lags (the per-subject path) equal each run alone (shared)."""
    s = Structure(2, "first_order", True)
    d = doses([(0, 100, 0, DEPOT, 0), (12, 100, 0, DEPOT, 0)])
    grid = np.linspace(0, 36, 145)
    both = params(2)
    both = Parameters(**{**both.__dict__, "tlag_h": np.array([0.2, 1.3])})
    out = superpose(
        compute_modes(both, s), d, grid, {"c": (CENTRAL, both.v_l)}, f=both.f, tlag_h=both.tlag_h
    )
    for i, lag in enumerate((0.2, 1.3)):
        alone = run(params(tlag=lag), s, d, grid)["c"]
        np.testing.assert_allclose(out["c"][i], alone, rtol=1e-12, atol=1e-15)


def test_superposition_of_doses() -> None:
    s = Structure(2, "first_order", True)
    grid = np.linspace(0, 72, 289)
    p = params()
    one = run(p, s, doses([(0, 100, 0, DEPOT, 0)]), grid)["m"]
    two = run(p, s, doses([(0, 100, 0, DEPOT, 0), (10, 100, 0, DEPOT, 0)]), grid)["m"]
    shifted = np.interp(grid - 10, grid, one, left=0.0)
    np.testing.assert_allclose(two, one + shifted, rtol=1e-9, atol=1e-12)


def test_auc_is_f_dose_over_cl_and_metabolite_auc_follows() -> None:
    s = Structure(2, "first_order", True)
    p = params()
    grid = np.linspace(0, 600, 600001)
    out = run(p, s, doses([(0, 100, 0, DEPOT, 0)]), grid)
    auc = np.trapezoid(out["c"], grid)
    assert auc == pytest.approx(0.8 * 100 / 10.0, rel=1e-5)
    auc_m = np.trapezoid(out["m"], grid)
    assert auc_m == pytest.approx(0.6 * 0.8 * 0.8 * 100 / 4.0, rel=1e-5)


def test_mass_balance() -> None:
    """Amounts in every compartment plus what was eliminated equal the bioavailable dose."""
    s = Structure(2, "first_order")
    p = params()
    grid = np.linspace(0, 30, 30001)
    m = compute_modes(p, s)
    d = doses([(0, 100, 0, DEPOT, 0), (7.5, 60, 0, DEPOT, 0)])
    one = np.ones(1)
    amt = superpose(
        m, d, grid, {"dep": (DEPOT, one), "cen": (CENTRAL, one), "per": (PERIPHERAL, one)}, f=p.f
    )
    conc = amt["cen"][0] / 50.0
    eliminated = 10.0 * np.concatenate(
        [[0], np.cumsum(0.5 * (conc[1:] + conc[:-1]) * np.diff(grid))]
    )
    total = amt["dep"][0] + amt["cen"][0] + amt["per"][0] + eliminated
    given_ = np.where(grid >= 7.5, 0.8 * 160, 0.8 * 100)
    np.testing.assert_allclose(total, given_, rtol=2e-6)


def test_steady_state_record_equals_many_doses_and_the_accumulation_formula() -> None:
    s = Structure(1, "iv_bolus")
    p = params()
    tau = 8.0
    grid = np.linspace(0, tau, 81)
    ss = run(p, s, doses([(-tau, 100, 0, CENTRAL, tau), (0, 100, 0, CENTRAL, 0)]), grid)["c"]
    many = run(p, s, doses([(k * tau, 100, 0, CENTRAL, 0) for k in range(200)]), grid + 199 * tau)[
        "c"
    ]
    np.testing.assert_allclose(ss, many, rtol=1e-9)
    k = 10.0 / 50.0
    assert ss[0] == pytest.approx(100 / 50 / (1 - math.exp(-k * tau)), rel=1e-12)


def test_steady_state_infusion_equals_many_infusions() -> None:
    s = Structure(2, "iv_infusion")
    p = params()
    tau = 12.0
    grid = np.linspace(0, tau, 121)
    ss = run(p, s, doses([(-tau, 100, 50, CENTRAL, tau), (0, 100, 50, CENTRAL, 0)]), grid)["c"]
    many = run(p, s, doses([(k * tau, 100, 50, CENTRAL, 0) for k in range(150)]), grid + 149 * tau)[
        "c"
    ]
    np.testing.assert_allclose(ss, many, rtol=1e-8)


def test_coincident_rates_are_handled() -> None:
    """ka equal to CL/V (no distinct eigenvalues) still matches the ODE."""
    s = Structure(1, "first_order")
    p = params(ka=0.2)
    grid = np.linspace(0, 48, 97)
    d = doses([(0, 100, 0, DEPOT, 0)])
    got, ref = run(p, s, d, grid)["c"], ode(p, s, d, grid)["c"]
    assert np.max(np.abs(got - ref)) <= 1e-5 * ref.max()


def test_float32_output_agrees_with_float64() -> None:
    s = Structure(2, "first_order")
    p = params(50)
    m = compute_modes(p, s)
    d = doses([(k * 12.0, 350, 0, DEPOT, 0) for k in range(28)])
    grid = np.arange(337.0)
    a = superpose(m, d, grid, {"c": (CENTRAL, p.v_l)}, dtype=np.float64)["c"]
    b = superpose(m, d, grid, {"c": (CENTRAL, p.v_l)}, dtype=np.float32)["c"]
    assert b.dtype == np.float32
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(
    ka=st.floats(0.05, 10), cl=st.floats(0.5, 200), v=st.floats(5, 800), q=st.floats(0.1, 50),
    v2=st.floats(5, 800), dose=st.floats(1, 1000), t2=st.floats(0.5, 30),
)  # fmt: skip
def test_non_negative_and_linear_in_dose(
    ka: float, cl: float, v: float, q: float, v2: float, dose: float, t2: float
) -> None:
    s = Structure(2, "first_order", True)
    p = params(ka=ka, cl=cl, v=v, q=q, v2=v2)
    grid = np.linspace(0, 96, 193)
    one = run(p, s, doses([(0, dose, 0, DEPOT, 0), (t2, dose, 0, DEPOT, 0)]), grid)
    two = run(p, s, doses([(0, 2 * dose, 0, DEPOT, 0), (t2, 2 * dose, 0, DEPOT, 0)]), grid)
    for k in ("c", "m"):
        assert np.all(one[k] >= -1e-9 * max(1.0, one[k].max()))
        np.testing.assert_allclose(two[k], 2 * one[k], rtol=1e-9, atol=1e-12)


def test_dosing_an_absent_compartment_is_refused() -> None:
    s = Structure(1, "iv_bolus")
    p = params()
    with pytest.raises(InputError, match="cmt"):
        superpose(
            compute_modes(p, s),
            doses([(0, 1, 0, DEPOT, 0)]),
            np.arange(3.0),
            {"c": (CENTRAL, p.v_l)},
        )


@pytest.mark.parametrize(("name", "structure", "rows", "kw"), CASES, ids=[c[0] for c in CASES])
def test_plain_python_and_compiled_kernels_agree(
    name: str, structure: Structure, rows: list, kw: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ways to the same numbers: a few subjects run the modal coefficients as plain Python
    and the superposition as a direct sum over doses in NumPy (no numba import); a population
    runs the compiled kernels. Both must agree, including steady state, infusions and
    subject-specific lags."""
    from myorelax.pk import solver

    p = params(3, **kw)
    p = Parameters(
        **{
            **p.__dict__,
            "tlag_h": np.array([0.0, 0.37, 1.1]),
            "cl_l_per_h": np.array([10.0, 7.0, 13.0]),
        }
    )
    d = doses([*rows, (30, 50, rows[0][2], rows[0][3], 12)])
    grid = np.linspace(0, 48, 97)
    outputs = {"c": (CENTRAL, p.v_l)}
    monkeypatch.setattr(solver, "PYTHON_KERNEL_LIMIT", 10**9)
    monkeypatch.setattr(solver, "DIRECT_SUM_LIMIT", 10**12)
    plain = superpose(compute_modes(p, structure), d, grid, outputs, f=p.f, tlag_h=p.tlag_h)
    monkeypatch.setattr(solver, "PYTHON_KERNEL_LIMIT", 0)
    monkeypatch.setattr(solver, "DIRECT_SUM_LIMIT", 0)
    compiled = superpose(compute_modes(p, structure), d, grid, outputs, f=p.f, tlag_h=p.tlag_h)
    np.testing.assert_allclose(plain["c"], compiled["c"], rtol=1e-12, atol=1e-15)
