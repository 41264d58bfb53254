"""Benchmark: population PK simulation against the memory-write floor and a naive ODE peer.

The workload of issue 4: 100,000 subjects, a two-compartment oral model with log-normal
variability on four parameters (ka, CL, V1, V2; 30% CV), 350 mg every 12 h for 14 days (28
doses), concentrations every hour from 0 to 336 h: 337 x 100,000 = 33.7 million values, in float64
and float32.

Side by side in this process, each repeated and reported as the median:
- myorelax, fresh: drawing the standard normals (NumPy `Generator`, the draws of
  `sample_parameters`) and `simulate_population`, whose one compiled parallel pass samples each
  block of subjects, computes its modal coefficients and sweeps it, writing a freshly allocated
  result (what a caller gets);
- the floor, fresh: ``np.empty(shape, dtype).fill(1.0)`` of the same size, also freshly
  allocated (the cost of only writing the result's memory once on this machine, page faults
  included). NumPy writes with ordinary stores, which read each cache line before writing it;
  myorelax writes most of its result with non-temporal stores, which do not, so its writes
  alone cost less than this floor (about 6.5 against 8.3 ms for float64 on this machine);
- myorelax, reused buffer: the same into an ``out=`` buffer allocated and written once before
  timing, against the floor of filling that prefaulted buffer (like for like);
- the separate steps as before issue 18 (`sample_parameters`, then `simulate`: sampling, modal
  coefficients and the sweep one after the other), fresh;
- naive peer: SciPy ``solve_ivp`` (LSODA, rtol 1e-8) per subject with the doses as events, on a
  subset, scaled per subject; and the PyPI package ``openpkflow`` (closed-form two-compartment
  oral profile per subject with its own superposition loop), installed by ``make bench``.

The load average is printed: the fused pass runs on both cores and the floor on one, so other
work on the machine slows the former more. Each line also gives the median CPU seconds of the
process (all threads), which other work changes much less than wall-clock time.

    .venv/bin/python bench/bench_pk.py [--subjects 100000] [--repeat 7] [--peer-subjects 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from myorelax.pk.events import DoseRecord, expand_records
from myorelax.pk.models import PkModel
from myorelax.pk.population import sample_parameters, standard_normals
from myorelax.pk.simulate import simulate, simulate_population
from myorelax.pk.solver import DEPOT, Structure

TYPICAL = (("ka", 1.2), ("cl", 10.0), ("v", 50.0), ("q", 5.0), ("v2", 80.0))
CV = 0.30


def bench_model() -> PkModel:
    iiv = ("ka", "cl", "v", "v2")
    var = np.log1p(CV**2)
    omega = tuple(tuple(var if i == j else 0.0 for j in range(4)) for i in range(4))
    return PkModel(
        drug="bench", analyte="bench", metabolite=None,
        structure=Structure(2, "first_order"), typical=TYPICAL, iiv=iiv, omega=omega,
    )  # fmt: skip


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall-clock seconds of `repeat` calls (and the last result); the median CPU seconds
    of this process (every thread) per call go to CPU[-1]."""
    times, cpu = [], []
    out = None
    for _ in range(repeat):
        out = None  # free the previous result so each run allocates afresh, like the floor
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU.append(statistics.median(cpu))
    return statistics.median(times), out


CPU: list[float] = []


def naive_subject(p: dict[str, float], dose_times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """One subject by numerical integration, restarting at each dose (a typical hand-written
    population loop)."""
    k10, k12, k21 = p["cl"] / p["v"], p["q"] / p["v"], p["q"] / p["v2"]
    ka = p["ka"]

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        return [-ka * y[0], ka * y[0] - (k10 + k12) * y[1] + k21 * y[2], k12 * y[1] - k21 * y[2]]

    y = np.zeros(3)
    out = np.empty(grid.size)
    bounds = [*dose_times, grid[-1]]
    for i, t0 in enumerate(dose_times):
        y[0] += 350.0
        t1 = bounds[i + 1]
        last = i == len(dose_times) - 1
        sel = (grid >= t0) & ((grid <= t1) if last else (grid < t1))
        t_eval = grid[sel] if last else np.append(grid[sel], t1)
        sol = solve_ivp(rhs, (t0, t1), y, method="LSODA", rtol=1e-8, atol=1e-10, t_eval=t_eval)
        out[sel] = sol.y[1, : sel.sum()] / p["v"]
        y = sol.y[:, -1].copy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--peer-subjects", type=int, default=20)
    a = ap.parse_args()
    model = bench_model()
    doses = expand_records([DoseRecord(0.0, 350.0, DEPOT, ii_h=12.0, addl=27)])
    grid = np.arange(0.0, 337.0)
    n = a.subjects
    values = n * grid.size
    print(f"{n:,} subjects x {grid.size} times = {values / 1e6:.1f} M concentrations; "
          f"{os.cpu_count()} cores")  # fmt: skip

    # Warm the compiled kernels (numba caches them on disk; the first call compiles).
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        simulate(model, doses, grid, sample_parameters(model, 100, rng), dtype=dtype)
        simulate_population(model, doses, grid, standard_normals(model, 100, rng), dtype=dtype)
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    results = {}
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        buf = np.empty((1, grid.size, n), dtype=dtype)
        buf.fill(0.0)  # touched once: every later write finds its pages mapped

        def run(dtype: Any = dtype, out: Any = None) -> Any:
            z = standard_normals(model, n, np.random.default_rng(1))
            prof = simulate_population(model, doses, grid, z, dtype=dtype, out=out)
            return prof.concentrations["bench"]

        def separate(dtype: Any = dtype) -> Any:
            p = sample_parameters(model, n, np.random.default_rng(1))
            return simulate(model, doses, grid, p, dtype=dtype).concentrations["bench"]

        def floor(dtype: Any = dtype) -> Any:
            x = np.empty((grid.size, n), dtype=dtype)
            x.fill(1.0)
            return x

        t_floor, _ = timed(floor, a.repeat)
        t_run, conc = timed(run, a.repeat)
        t_floor_touched, _ = timed(lambda buf=buf: buf.fill(1.0), a.repeat)
        t_reused, _ = timed(lambda dtype=dtype, buf=buf: run(dtype, buf), a.repeat)
        t_sep, _ = timed(separate, a.repeat)
        results[name] = (t_run, t_floor, conc)
        c_floor, c_run, c_touched, c_reused, c_sep = CPU[-5:]
        print(f"{name}: myorelax fresh {t_run * 1e3:.1f} ms ({values / t_run / 1e6:.0f} M conc/s); "
              f"write floor fresh {t_floor * 1e3:.1f} ms; ratio {t_run / t_floor:.2f} "
              f"(CPU {c_run * 1e3:.0f} / {c_floor * 1e3:.0f} ms)")  # fmt: skip
        print(f"{name}: myorelax into a reused buffer {t_reused * 1e3:.1f} ms; floor into that "
              f"prefaulted buffer {t_floor_touched * 1e3:.1f} ms; ratio "
              f"{t_reused / t_floor_touched:.2f} (CPU {c_reused * 1e3:.0f} / "
              f"{c_touched * 1e3:.0f} ms)")  # fmt: skip
        print(f"{name}: separate steps (sample_parameters, simulate), fresh {t_sep * 1e3:.1f} ms; "
              f"ratio to the fresh floor {t_sep / t_floor:.2f} (CPU {c_sep * 1e3:.0f} ms)")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    # Naive peer on a subset of the same subjects.
    p = sample_parameters(model, a.peer_subjects, np.random.default_rng(1))
    dose_times = doses.time_h
    t0 = time.perf_counter()
    ref = np.array([
        naive_subject({"ka": p.ka_per_h[i], "cl": p.cl_l_per_h[i], "v": p.v_l[i],
                       "q": p.q_l_per_h[i], "v2": p.v2_l[i]}, dose_times, grid)
        for i in range(a.peer_subjects)
    ])  # fmt: skip
    per_subject = (time.perf_counter() - t0) / a.peer_subjects
    t64 = results["float64"][0]
    ours = np.asarray(simulate(model, doses, grid, p).concentrations["bench"])
    err = np.max(np.abs(ours - ref) / np.maximum(np.abs(ref).max(axis=1, keepdims=True), 1e-300))
    print(f"solve_ivp per subject: {per_subject * 1e3:.1f} ms -> {per_subject * n:.0f} s for {n:,}"
          f" (estimated); myorelax is {per_subject * n / t64:,.0f}x faster; max relative "
          f"difference {err:.1e}")  # fmt: skip
    try:
        from openpkflow import sim as opk  # type: ignore[import-not-found]
    except ImportError:
        print("openpkflow: not installed (`make bench` installs it); not compared")
        return
    t0 = time.perf_counter()
    peer = np.array([
        opk.superpose(
            grid, list(dose_times), [350.0] * dose_times.size,
            lambda tr, d, i=i: opk.c_2cmt_oral(tr, d, p.cl_l_per_h[i], p.v_l[i], p.q_l_per_h[i],
                                                p.v2_l[i], p.ka_per_h[i]),
        )
        for i in range(a.peer_subjects)
    ])  # fmt: skip
    per_subject = (time.perf_counter() - t0) / a.peer_subjects
    err = np.max(np.abs(ours - peer) / np.abs(ours).max(axis=1, keepdims=True))
    print(f"openpkflow (closed form per subject, superposition loop): {per_subject * 1e3:.2f} ms "
          f"per subject -> {per_subject * n:.1f} s for {n:,} (estimated); myorelax is "
          f"{per_subject * n / t64:,.0f}x faster; max relative difference {err:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
