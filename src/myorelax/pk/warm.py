"""Compile the population kernels ahead of use: `python -m myorelax.pk.warm`.

numba compiles the kernels on their first population simulation and caches the machine code on
disk; without this step the first `/simulate` with a population after an install waits tens of
seconds for the compiler. `make install` runs it once per kernel source (a stamp file remembers).
"""

from __future__ import annotations

import time

import numpy as np


def warm_kernels() -> float:
    """Run one small population through the compiled kernels (the separate ones and the fused
    population kernel) in float64 and float32; returns the seconds it took (tens of seconds
    when nothing is cached: 18.8 s on this 2-core machine before the fused kernel, 48.6 s with
    it on the same machine under load; a few seconds otherwise)."""
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.pk.models import model_for
    from myorelax.pk.population import standard_normals, typical_parameters
    from myorelax.pk.simulate import simulate, simulate_population
    from myorelax.pk.solver import DEPOT, PYTHON_KERNEL_LIMIT, DoseArrays

    start = time.perf_counter()
    kb = load_knowledge()
    n = PYTHON_KERNEL_LIMIT + 1  # the smallest population that uses the compiled kernels
    model = model_for("carisoprodol", kb)  # parent and metabolite: every output path
    params = typical_parameters(model, n)
    times = np.arange(0.0, 48.0, 8.0)
    zeros = np.zeros_like(times)
    doses = DoseArrays(times, np.full_like(times, 350.0), zeros,
                       np.full(times.shape, DEPOT, dtype=np.int64), zeros)  # fmt: skip
    grid = np.linspace(0.0, 48.0, 4000)
    normals = standard_normals(model, n, np.random.default_rng(0))
    for dtype in (np.float64, np.float32):
        simulate(model, doses, grid, params, dtype=dtype)
        simulate_population(model, doses, grid, normals, dtype=dtype)  # the fused kernel
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"PK kernels ready ({warm_kernels():.1f} s)")
