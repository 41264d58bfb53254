# mypy: disable-error-code="no-untyped-def,no-untyped-call"
"""Inner loops of the solver: modal coefficients and the superposition sweep.

Both loop over subjects in parallel and keep each subject's few modal states in registers, so the
cost per output value is a handful of multiply-adds plus the store; see `solver.py` for the
mathematics and `bench/bench_pk.py` for what this buys over NumPy and over an ODE solver.

The functions are written once, as plain Python over NumPy arrays, and run in two ways:
`python_kernels()` runs them as they are (no compilation: right for one subject and a short grid,
as in the safety check), and `compiled_kernels()` compiles the same code with numba on first use
(`prange` becomes a parallel loop; the machine code is cached on disk, next to this file or, in a
read-only install, in numba's user cache folder). numba is imported only by the latter, so a
process that never simulates a population never loads it.
"""

from __future__ import annotations

import math
import types
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

_NUDGE = 1e-7
prange = range  # numba.prange in the compiled kernels


def _apart(rate: float, other: float, step: float) -> float:  # pragma: no cover - compiled
    if abs(rate - other) <= _NUDGE * max(abs(rate), abs(other)):
        return rate * (1.0 + step)
    return rate


def modal_coefficients(
    ka, cl, v, q, v2, fm, mw, clm, vm, has_depot, two_cpt, has_met, inputs
):  # pragma: no cover - compiled
    """Rates (n, m) and response (n, n_inputs, d, m): amount in compartment row `out` (index in
    the model's compartment order) per unit bolus into `inputs[j]`, by mode.

    Compartment order: [depot], central, [peripheral], [metabolite]."""
    n = cl.shape[0]
    d = (1 if has_depot else 0) + 1 + (1 if two_cpt else 0) + (1 if has_met else 0)
    m = d
    rates = np.empty((n, m))
    resp = np.zeros((n, inputs.shape[0], d, m))
    chunk = 1024
    for c in prange((n + chunk - 1) // chunk):
        kmat = np.zeros((d, d))
        lam = np.empty(m)
        vec = np.empty(d)
        nxt = np.empty(d)
        for s in range(c * chunk, min(n, (c + 1) * chunk)):
            _modes_one(
                s,
                ka,
                cl,
                v,
                q,
                v2,
                fm,
                mw,
                clm,
                vm,
                has_depot,
                two_cpt,
                has_met,
                inputs,
                kmat,
                lam,
                vec,
                nxt,
                rates,
                resp,
            )
    return rates, resp


def _modes_one(
    s,
    ka,
    cl,
    v,
    q,
    v2,
    fm,
    mw,
    clm,
    vm,
    has_depot,
    two_cpt,
    has_met,
    inputs,
    kmat,
    lam,
    vec,
    nxt,
    rates,
    resp,
):  # pragma: no cover - compiled
    d = kmat.shape[0]
    m = d
    ic = 1 if has_depot else 0
    ip = ic + 1
    im = ic + (2 if two_cpt else 1)
    kmat[:, :] = 0.0
    k10 = cl[s] / v[s]
    j = 0
    if two_cpt:
        k12 = q[s] / v[s]
        k21 = q[s] / v2[s]
        a = k10 + k12 + k21
        disc = math.sqrt(max(a * a - 4.0 * k10 * k21, 0.0))
        alpha = 0.5 * (a + disc)
        beta = 2.0 * k10 * k21 / (a + disc)
    else:
        k12 = 0.0
        k21 = 0.0
        alpha = k10
        beta = k10
    kas = ka[s]
    if has_depot:
        kas = _apart(kas, alpha, 10 * _NUDGE)
        if two_cpt:
            kas = _apart(kas, beta, 10 * _NUDGE)
        lam[j] = kas
        j += 1
        kmat[0, 0] = -kas
        kmat[ic, 0] = kas
    lam[j] = alpha
    j += 1
    if two_cpt:
        lam[j] = beta
        j += 1
    kmat[ic, ic] = -(k10 + k12)
    if two_cpt:
        kmat[ip, ic] = k12
        kmat[ip, ip] = -k21
        kmat[ic, ip] = k21
    if has_met:
        km = clm[s] / vm[s]
        km = _apart(km, alpha, 20 * _NUDGE)
        if two_cpt:
            km = _apart(km, beta, 20 * _NUDGE)
        if has_depot:
            km = _apart(km, kas, 20 * _NUDGE)
        lam[j] = km
        kmat[im, ic] = fm[s] * mw[s] * k10
        kmat[im, im] = -km
    for i in range(m):
        rates[s, i] = lam[i]
    for jj in range(inputs.shape[0]):
        for i in range(m):
            for r in range(d):
                vec[r] = 0.0
            vec[inputs[jj]] = 1.0
            denom = 1.0
            for o in range(m):
                if o == i:
                    continue
                # vec <- (K + lam_o I) vec, i.e. (K - mu_o I) with mu_o = -lam_o
                for r in range(d):
                    acc = lam[o] * vec[r]
                    for c in range(d):
                        acc += kmat[r, c] * vec[c]
                    nxt[r] = acc
                for r in range(d):
                    vec[r] = nxt[r]
                denom *= lam[o] - lam[i]  # mu_i - mu_o
            for r in range(d):
                resp[s, jj, r, i] = vec[r] / denom


def sweep(
    rates,
    coef,
    ev_input,
    ev_time,
    ev_amount,
    ev_rate,
    ev_duration,
    ev_ss,
    ev_depot,
    f,
    lag,
    grid,
    out,
):  # pragma: no cover - compiled
    """Fill out[o, k, s] = sum_inputs sum_modes coef[o, input, mode, s] * state(s, input, mode)
    at grid[k], adding each dosing event's input exactly (bolus, infusion, steady state).

    rates is (m, n) and coef (n_out, n_in, m, n): subjects last, so that a block of subjects is
    updated with SIMD instructions and each output time is a contiguous row."""
    n = rates.shape[1]
    n_ev = ev_time.shape[0]
    shared_lag = True
    for s in range(1, n):
        if lag[s] != lag[0]:
            shared_lag = False
            break
    block = 512
    n_blocks = (n + block - 1) // block
    if shared_lag and n > 0:
        # Everybody's events arrive at the same times: sweep blocks of subjects together.
        starts = np.empty(n_ev)
        for e in range(n_ev):
            starts[e] = ev_time[e] + (lag[0] if ev_depot[e] else 0.0)
        order = np.argsort(starts, kind="mergesort")
        for c in prange(n_blocks):
            _sweep_block(
                c * block,
                min(n, (c + 1) * block),
                rates,
                coef,
                ev_input,
                ev_amount,
                ev_rate,
                ev_duration,
                ev_ss,
                ev_depot,
                f,
                grid,
                out,
                starts,
                order,
            )
    else:
        for c in prange(n_blocks):
            for s in range(c * block, min(n, (c + 1) * block)):
                starts = np.empty(n_ev)
                for e in range(n_ev):
                    starts[e] = ev_time[e] + (lag[s] if ev_depot[e] else 0.0)
                order = np.argsort(starts, kind="mergesort")
                _sweep_block(
                    s,
                    s + 1,
                    rates,
                    coef,
                    ev_input,
                    ev_amount,
                    ev_rate,
                    ev_duration,
                    ev_ss,
                    ev_depot,
                    f,
                    grid,
                    out,
                    starts,
                    order,
                )


def _sweep_block(
    lo,
    hi,
    rates,
    coef,
    ev_input,
    ev_amount,
    ev_rate,
    ev_duration,
    ev_ss,
    ev_depot,
    f,
    grid,
    out,
    starts,
    order,
):  # pragma: no cover - compiled
    """Subjects lo..hi-1, which share event start times `starts` (sorted by `order`): the
    population pass's tile sweep on this block's slice of the rates, coefficients and F."""
    _sweep_tile(
        lo,
        np.ascontiguousarray(rates[:, lo:hi]),
        np.ascontiguousarray(coef[:, :, :, lo:hi]),
        np.ascontiguousarray(f[lo:hi]),
        starts,
        order,
        ev_input,
        ev_amount,
        ev_rate,
        ev_duration,
        ev_ss,
        ev_depot,
        grid,
        out,
    )


def _infusion_history(
    e, t, lo, jj, lam, state, starts, ev_rate, ev_duration, ev_ss, ev_depot, f
):  # pragma: no cover - compiled
    """A steady-state infusion: add the earlier infusions of the infinite train (each over before
    this one starts, since duration <= interval), evaluated at t."""
    m, nb = lam.shape[0], lam.shape[1]
    x = t - starts[e]
    for i in range(m):
        for b in range(nb):
            r = ev_rate[e] * (f[lo + b] if ev_depot[e] else 1.0)
            li = lam[i, b]
            qq = math.exp(-li * ev_ss[e])
            hist = r * (math.exp(-li * (ev_ss[e] - ev_duration[e])) - qq) / (1.0 - qq) / li
            state[jj, i, b] += hist * math.exp(-li * x)


def population_sweep(
    z,
    chol,
    typical,
    iiv_col,
    factor_row,
    factors,
    has_depot,
    two_cpt,
    has_met,
    inputs,
    out_cmt,
    out_div,
    ev_input,
    ev_time,
    ev_amount,
    ev_rate,
    ev_duration,
    ev_ss,
    ev_depot,
    grid,
    block,
    params,
    out,
):  # pragma: no cover - compiled
    """Sampling, modal coefficients and the sweep fused: one parallel loop over blocks of
    `block` subjects, each block drawn, solved and written by the thread that owns it while its
    per-subject values stay in cache; nothing of the result's size is written but the result.

    Subject s has eta = chol @ z[s] (chol the lower Cholesky factor of omega, z standard
    normals) and parameter p = typical[p] * exp(eta[iiv_col[p]]) (when iiv_col[p] >= 0) *
    factors[factor_row[p], s] (when factor_row[p] >= 0), in the order of `models.PARAMETERS`;
    they are written to params (11, n). Output o is compartment out_cmt[o] (model index) divided
    by parameter out_div[o], written to out[o, k, s] at grid[k].

    The modal states stay in float64 whatever out's dtype: a concentration is a sum of modes of
    opposite signs, which cancel heavily when two rates nearly coincide (ka close to alpha), and
    float32 states then lose up to 1e-3 of the result (measured on 100,000 subjects); only the
    stored value is rounded to out's dtype."""
    n = z.shape[0]
    k_eta = z.shape[1]
    n_par = typical.shape[0]
    d = (1 if has_depot else 0) + 1 + (1 if two_cpt else 0) + (1 if has_met else 0)
    m = d
    n_in = inputs.shape[0]
    n_out = out_cmt.shape[0]
    n_ev = ev_time.shape[0]
    n_blocks = (n + block - 1) // block
    for c in prange(n_blocks):
        lo = c * block
        nb = min(n, lo + block) - lo
        pb = np.empty((n_par, nb))
        eta = np.empty(max(k_eta, 1))
        for b in range(nb):
            s = lo + b
            for j in range(k_eta):
                acc = 0.0
                for i in range(j + 1):
                    acc += z[s, i] * chol[j, i]
                eta[j] = acc
            for p in range(n_par):
                v = typical[p]
                if iiv_col[p] >= 0:
                    v *= math.exp(eta[iiv_col[p]])
                if factor_row[p] >= 0:
                    v *= factors[factor_row[p], s]
                pb[p, b] = v
                params[p, s] = v
        rates = np.empty((nb, m))
        resp = np.zeros((nb, n_in, d, m))
        kmat = np.zeros((d, d))
        lamv = np.empty(m)
        vec = np.empty(d)
        nxt = np.empty(d)
        for b in range(nb):
            _modes_one(
                b,
                pb[0],
                pb[1],
                pb[2],
                pb[3],
                pb[4],
                pb[7],
                pb[8],
                pb[9],
                pb[10],
                has_depot,
                two_cpt,
                has_met,
                inputs,
                kmat,
                lamv,
                vec,
                nxt,
                rates,
                resp,
            )
        lam = np.empty((m, nb))
        cf = np.empty((n_out, n_in, m, nb))
        for b in range(nb):
            for i in range(m):
                lam[i, b] = rates[b, i]
            for o in range(n_out):
                div = pb[out_div[o], b]
                for jj in range(n_in):
                    for i in range(m):
                        cf[o, jj, i, b] = resp[b, jj, out_cmt[o], i] / div
        fb = np.ascontiguousarray(pb[6])
        lag = pb[5]
        starts = np.empty(n_ev)
        shared = True
        for b in range(1, nb):
            if lag[b] != lag[0]:
                shared = False
                break
        if shared:
            for e in range(n_ev):
                starts[e] = ev_time[e] + (lag[0] if ev_depot[e] else 0.0)
            order = np.argsort(starts, kind="mergesort")
            _sweep_tile(
                lo,
                lam,
                cf,
                fb,
                starts,
                order,
                ev_input,
                ev_amount,
                ev_rate,
                ev_duration,
                ev_ss,
                ev_depot,
                grid,
                out,
            )
        else:
            # Subjects with their own lag times: one at a time (a tile of width one).
            for b in range(nb):
                for e in range(n_ev):
                    starts[e] = ev_time[e] + (lag[b] if ev_depot[e] else 0.0)
                order = np.argsort(starts, kind="mergesort")
                _sweep_tile(
                    lo + b,
                    np.ascontiguousarray(lam[:, b : b + 1]),
                    np.ascontiguousarray(cf[:, :, :, b : b + 1]),
                    np.ascontiguousarray(fb[b : b + 1]),
                    starts,
                    order,
                    ev_input,
                    ev_amount,
                    ev_rate,
                    ev_duration,
                    ev_ss,
                    ev_depot,
                    grid,
                    out,
                )


def _sweep_tile(
    lo,
    lam,
    cf,
    fb,
    starts,
    order,
    ev_input,
    ev_amount,
    ev_rate,
    ev_duration,
    ev_ss,
    ev_depot,
    grid,
    out,
):  # pragma: no cover - compiled
    """A tile of subjects lo..lo+nb-1 that share the event start times `starts` (sorted by
    `order`): lam (m, nb) rates, cf (n_out, n_in, m, nb) output coefficients, fb bioavailability.
    Every loop over the tile starts at zero (no negative-index check, so it vectorises); a step
    without doses decays the states and sums the first output in one pass."""
    m = lam.shape[0]
    nb = lam.shape[1]
    n_out = cf.shape[0]
    n_in = cf.shape[1]
    n_ev = starts.shape[0]
    n_t = grid.shape[0]
    state = np.zeros((n_in, m, nb))
    dec = np.empty((m, nb))
    work = np.empty(nb)
    open_inf = np.empty(n_ev, dtype=np.int64)
    n_open = 0
    ptr = 0
    prev = -np.inf
    last_dt = -1.0
    for k in range(n_t):
        t = grid[k]
        dt = t - prev
        if k > 0 and dt != last_dt:  # the first step decays nothing: the state is still zero
            for i in range(m):
                li = lam[i]
                di = dec[i]
                for b in range(nb):
                    di[b] = math.exp(-li[b] * dt)
            last_dt = dt
        quiet = n_open == 0 and not (ptr < n_ev and starts[order[ptr]] <= t)
        if quiet and k > 0:
            # Decay and the first output in one pass over the states.
            row = out[0, k, lo : lo + nb]
            if n_in == 1 and m == 3:
                _quiet3(state[0, 0], state[0, 1], state[0, 2], dec[0], dec[1], dec[2],
                        cf[0, 0, 0], cf[0, 0, 1], cf[0, 0, 2], row)  # fmt: skip
            elif n_in == 1 and m == 2:
                _quiet2(state[0, 0], state[0, 1], dec[0], dec[1], cf[0, 0, 0], cf[0, 0, 1], row)
            else:
                for b in range(nb):
                    work[b] = 0.0
                for jj in range(n_in):
                    for i in range(m):
                        st = state[jj, i]
                        di = dec[i]
                        cfo = cf[0, jj, i]
                        for b in range(nb):
                            x = st[b] * di[b]
                            st[b] = x
                            work[b] += cfo[b] * x
                for b in range(nb):
                    row[b] = work[b]
            for o in range(1, n_out):
                _tile_output(o, k, lo, cf, state, work, out)
            prev = t
            continue
        for jj in range(n_in if k > 0 else 0):
            for i in range(m):
                st = state[jj, i]
                di = dec[i]
                for b in range(nb):
                    st[b] *= di[b]
        while ptr < n_ev and starts[order[ptr]] <= t:
            e = order[ptr]
            ptr += 1
            jj = ev_input[e]
            if ev_duration[e] > 0.0:
                open_inf[n_open] = e
                n_open += 1
                if ev_ss[e] > 0.0:
                    _infusion_history(
                        e, t, 0, jj, lam, state, starts, ev_rate, ev_duration, ev_ss, ev_depot, fb
                    )
                continue
            x = t - starts[e]
            amt = ev_amount[e]
            for i in range(m):
                st = state[jj, i]
                li = lam[i]
                for b in range(nb):
                    g = amt * (fb[b] if ev_depot[e] else 1.0)
                    if x != 0.0:
                        g *= math.exp(-li[b] * x)
                    if ev_ss[e] > 0.0:
                        g /= 1.0 - math.exp(-li[b] * ev_ss[e])
                    st[b] += g
        if n_open > 0:
            kept = 0
            for oi in range(n_open):
                e = open_inf[oi]
                end = starts[e] + ev_duration[e]
                a = max(starts[e], prev)
                zz = min(end, t)
                if zz > a:
                    jj = ev_input[e]
                    for i in range(m):
                        st = state[jj, i]
                        li = lam[i]
                        for b in range(nb):
                            r = ev_rate[e] * (fb[b] if ev_depot[e] else 1.0)
                            st[b] += (
                                r
                                * (math.exp(-li[b] * (t - zz)) - math.exp(-li[b] * (t - a)))
                                / li[b]
                            )
                if end > t:
                    open_inf[kept] = e
                    kept += 1
            n_open = kept
        for o in range(n_out):
            _tile_output(o, k, lo, cf, state, work, out)
        prev = t


def touch(flat, stride):  # pragma: no cover - compiled
    """Write a zero every `stride` elements of a fresh 1-D buffer, in contiguous parts, one per
    thread: the kernel maps (and zeroes) its pages in address order on every core at once,
    instead of page by page in the sweep's scattered write order."""
    n = flat.shape[0]
    parts = 64
    size = (n + parts - 1) // parts
    for c in prange(parts):
        for i in range(c * size, min(n, (c + 1) * size), stride):
            flat[i] = 0


def _quiet3(s0, s1, s2, d0, d1, d2, c0, c1, c2, row):  # pragma: no cover - compiled
    """Three modes, one input: decay the states and write the first output, in one pass."""
    for b in range(row.shape[0]):
        x0 = s0[b] * d0[b]
        x1 = s1[b] * d1[b]
        x2 = s2[b] * d2[b]
        s0[b] = x0
        s1[b] = x1
        s2[b] = x2
        row[b] = c0[b] * x0 + c1[b] * x1 + c2[b] * x2


def _quiet2(s0, s1, d0, d1, c0, c1, row):  # pragma: no cover - compiled
    """Two modes, one input: as `_quiet3`."""
    for b in range(row.shape[0]):
        x0 = s0[b] * d0[b]
        x1 = s1[b] * d1[b]
        s0[b] = x0
        s1[b] = x1
        row[b] = c0[b] * x0 + c1[b] * x1


def _tile_output(o, k, lo, cf, state, work, out):  # pragma: no cover - compiled
    """out[o, k, lo:lo+nb] = sum over inputs and modes of cf[o] * state."""
    nb = work.shape[0]
    for b in range(nb):
        work[b] = 0.0
    for jj in range(cf.shape[1]):
        for i in range(cf.shape[2]):
            st = state[jj, i]
            cfo = cf[o, jj, i]
            for b in range(nb):
                work[b] += cfo[b] * st[b]
    row = out[o, k, lo : lo + nb]
    for b in range(nb):
        row[b] = work[b]


class Kernels(NamedTuple):
    modal_coefficients: Any
    sweep: Any
    population_sweep: Any
    touch: Any


# Compiled in this order (callees first), each with its numba options.
_JIT: dict[str, dict[str, Any]] = {
    "_apart": {"inline": "always"},
    "_modes_one": {"inline": "always"},
    "modal_coefficients": {"parallel": True},
    "_infusion_history": {},
    "_tile_output": {"inline": "always"},
    "_quiet3": {},
    "_quiet2": {},
    "_sweep_tile": {},
    "_sweep_block": {},
    "sweep": {"parallel": True},
    "population_sweep": {"parallel": True},
    "touch": {"parallel": True},
}


def population_block(n: int, threads: int) -> int:
    """Subjects per block of `population_sweep`: about 4,096 (a block's states and coefficients
    stay in the second-level cache, and each output row gets 16-32 KB of contiguous writes per
    block), a multiple of 16 (whole cache lines), in a number of blocks that the threads share
    evenly."""
    blocks = max(1, math.ceil(n / 4096))
    blocks = math.ceil(blocks / threads) * threads
    return math.ceil(math.ceil(n / blocks) / 16) * 16


def compiled_threads() -> int:
    """Threads of numba's parallel loops (numba imported here)."""
    import numba

    return int(numba.get_num_threads())


def python_kernels() -> Kernels:
    """The kernels as plain Python (no numba)."""
    return Kernels(modal_coefficients, sweep, population_sweep, touch)


@lru_cache(maxsize=1)
def compiled_kernels() -> Kernels:
    """The same kernels compiled by numba (imported here, on first use)."""
    import numba

    namespace: dict[str, Any] = {
        "math": math,
        "np": np,
        "prange": numba.prange,
        "_NUDGE": _NUDGE,
    }
    for name, options in _JIT.items():
        source = globals()[name]
        clone = types.FunctionType(source.__code__, namespace, name, source.__defaults__)
        clone.__module__ = __name__
        clone.__qualname__ = name
        namespace[name] = numba.njit(cache=True, **options)(clone)
    return Kernels(
        namespace["modal_coefficients"],
        namespace["sweep"],
        namespace["population_sweep"],
        namespace["touch"],
    )
