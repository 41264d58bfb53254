"""Superposition as a direct sum over doses, in NumPy: the solver's path for a few subjects.

The compiled sweep (`kernel.py`) walks the output grid once, carrying each mode's state from one
output time to the next; per subject and output time it costs a few multiply-adds however many
doses came before, which is what a population of 100,000 needs. For one or a few subjects the
same exact answer is cheaper as a sum: each dose adds, to every later output time at once (one
vectorised NumPy expression), its known contribution to each mode. This needs no compilation,
so the safety check and a single-patient simulation never import numba, and, being a different
algorithm for the same mathematics, it is also an oracle for the compiled sweep (the tests
compare the two on every kind of dose).

Per mode with rate ``lam``, a dose starting at ``s`` (time plus lag for depot doses) adds at
``t >= s``:

- bolus of ``a`` (times ``f`` into the depot): ``a exp(-lam (t - s))``;
- at steady state with interval ``tau``: the same divided by ``1 - exp(-lam tau)``;
- infusion at rate ``r`` for ``d`` hours: ``r (exp(-lam (t - min(t, s + d))) - exp(-lam (t - s))) / lam``;
- at steady state, plus the earlier infusions of the train:
  ``r (exp(-lam (tau - d)) - exp(-lam tau)) / (1 - exp(-lam tau)) / lam * exp(-lam (t - s))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def sweep_direct(
    rates: NDArray[np.float64],
    coef: NDArray[np.float64],
    ev_input: NDArray[np.int64],
    ev_time: NDArray[np.float64],
    ev_amount: NDArray[np.float64],
    ev_rate: NDArray[np.float64],
    ev_duration: NDArray[np.float64],
    ev_ss: NDArray[np.float64],
    ev_depot: NDArray[np.bool_],
    f: NDArray[np.float64],
    lag: NDArray[np.float64],
    grid: NDArray[np.float64],
    out: NDArray[Any],
) -> None:
    """Fill out[o, k, s] exactly as `kernel.sweep` does (same arguments, same layout)."""
    m, n = rates.shape
    n_out, n_in = coef.shape[0], coef.shape[1]
    state = np.zeros((n_in, m, grid.size))
    for s in range(n):
        state[:] = 0.0
        lam = rates[:, s]
        for e in range(ev_time.shape[0]):
            depot = bool(ev_depot[e])
            start = ev_time[e] + (lag[s] if depot else 0.0)
            k0 = int(np.searchsorted(grid, start, side="left"))
            if k0 >= grid.size:
                continue
            t = grid[k0:]
            x = t - start
            scale = f[s] if depot else 1.0
            jj = int(ev_input[e])
            tau = ev_ss[e]
            for i in range(m):
                li = lam[i]
                if ev_duration[e] > 0.0:
                    r = ev_rate[e] * scale
                    end = start + ev_duration[e]
                    add = r * (np.exp(-li * (t - np.minimum(t, end))) - np.exp(-li * x)) / li
                    if tau > 0.0:
                        q = np.exp(-li * tau)
                        hist = r * (np.exp(-li * (tau - ev_duration[e])) - q) / (1.0 - q) / li
                        add = add + hist * np.exp(-li * x)
                else:
                    add = ev_amount[e] * scale * np.exp(-li * x)
                    if tau > 0.0:
                        add = add / (1.0 - np.exp(-li * tau))
                state[jj, i, k0:] += add
        for o in range(n_out):
            out[o, :, s] = np.einsum("jm,jmk->k", coef[o, :, :, s], state)
