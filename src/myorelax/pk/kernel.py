# mypy: disable-error-code="no-untyped-def,no-untyped-call"
"""Inner loops of the solver: modal coefficients and the superposition sweep.

Both loop over blocks of subjects in parallel. Within a block, the output times between doses
that need more than a plain bolus (a run: in a typical regimen, the whole grid) are swept a tile
of `_RUN` subjects at a time (`_RUN32` for float32 output): the tile's modal states, decay factors and coefficients stay in L1
cache, each multiply-add runs over eight subjects at once (SIMD), four output times share one
load and store of the states, and each row of the tile's results goes straight to memory with
non-temporal stores (no read of the cache line before it is written). The modal coefficients of a
block are computed the same way, subjects innermost. See `solver.py` for the mathematics and
`bench/bench_pk.py` for what this buys over NumPy and over an ODE solver.

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
    ar = abs(rate)
    ao = abs(other)
    big = ao if ao > ar else ar  # max() without its NaN branches, so loops over it vectorise
    return rate * (1.0 + step) if abs(rate - other) <= _NUDGE * big else rate


def modal_coefficients(
    ka, cl, v, q, v2, fm, mw, clm, vm, has_depot, two_cpt, has_met, inputs
):  # pragma: no cover - compiled
    """Rates (n, m) and response (n, n_inputs, d, m): amount in compartment row `out` (index in
    the model's compartment order) per unit bolus into `inputs[j]`, by mode.

    Compartment order: [depot], central, [peripheral], [metabolite]."""
    n = cl.shape[0]
    d = (1 if has_depot else 0) + 1 + (1 if two_cpt else 0) + (1 if has_met else 0)
    m = d
    n_in = inputs.shape[0]
    rates = np.empty((n, m))
    resp = np.empty((n, n_in, d, m))
    chunk = 1024
    for c in prange((n + chunk - 1) // chunk):
        lo = c * chunk
        hi = min(n, lo + chunk)
        lam = np.empty((m, hi - lo))
        rb = np.empty((n_in, d, m, hi - lo))
        _modes_block(
            ka[lo:hi],
            cl[lo:hi],
            v[lo:hi],
            q[lo:hi],
            v2[lo:hi],
            fm[lo:hi],
            mw[lo:hi],
            clm[lo:hi],
            vm[lo:hi],
            has_depot,
            two_cpt,
            has_met,
            inputs,
            lam,
            rb,
        )
        for s in range(hi - lo):
            for i in range(m):
                rates[lo + s, i] = lam[i, s]
            for jj in range(n_in):
                for r in range(d):
                    for i in range(m):
                        resp[lo + s, jj, r, i] = rb[jj, r, i, s]
    return rates, resp


def _modes_block(
    ka, cl, v, q, v2, fm, mw, clm, vm, has_depot, two_cpt, has_met, inputs, lam, resp
):  # pragma: no cover - compiled
    """Rates lam (m, nb) and response resp (n_inputs, d, m, nb) of the nb subjects whose
    parameters are given (arrays of nb): per subject, the rates in closed form and Sylvester's
    projectors, computed for the whole block at once (subjects innermost, so that each
    multiply-add runs over a row of subjects with SIMD instructions)."""
    nb = cl.shape[0]
    d = (1 if has_depot else 0) + 1 + (1 if two_cpt else 0) + (1 if has_met else 0)
    m = d
    ic = 1 if has_depot else 0
    ip = ic + 1
    im = ic + (2 if two_cpt else 1)
    kmat = np.zeros((d, d, nb))
    # Rates and rate constants, one kind per loop and no branch inside, so that each loop runs
    # with SIMD instructions (divisions and square roots included).
    ja = ic  # rate of the first disposition mode (alpha, or k10 for one compartment)
    la = lam[ja]
    if two_cpt:
        lb = lam[ja + 1]
        for s in range(nb):
            k10 = cl[s] / v[s]
            k12 = q[s] / v[s]
            k21 = q[s] / v2[s]
            a = k10 + k12 + k21
            sq = a * a - 4.0 * k10 * k21
            disc = math.sqrt(0.0 if sq < 0.0 else sq)
            la[s] = 0.5 * (a + disc)
            lb[s] = 2.0 * k10 * k21 / (a + disc)
            kmat[ic, ic, s] = -(k10 + k12)
            kmat[ip, ic, s] = k12
            kmat[ip, ip, s] = -k21
            kmat[ic, ip, s] = k21
    else:
        lb = la
        for s in range(nb):
            k10 = cl[s] / v[s]
            la[s] = k10
            kmat[ic, ic, s] = -(k10 + 0.0)
    if has_depot:
        l0 = lam[0]
        for s in range(nb):
            l0[s] = _apart(ka[s], la[s], 10 * _NUDGE)
        if two_cpt:
            for s in range(nb):
                l0[s] = _apart(l0[s], lb[s], 10 * _NUDGE)
        for s in range(nb):
            kmat[0, 0, s] = -l0[s]
            kmat[ic, 0, s] = l0[s]
    if has_met:
        lm = lam[m - 1]
        for s in range(nb):
            lm[s] = _apart(clm[s] / vm[s], la[s], 20 * _NUDGE)
        if two_cpt:
            for s in range(nb):
                lm[s] = _apart(lm[s], lb[s], 20 * _NUDGE)
        if has_depot:
            l0 = lam[0]
            for s in range(nb):
                lm[s] = _apart(lm[s], l0[s], 20 * _NUDGE)
        for s in range(nb):
            kmat[im, ic, s] = fm[s] * mw[s] * (cl[s] / v[s])
            kmat[im, im, s] = -lm[s]
    vec = np.empty((d, nb))
    nxt = np.empty((d, nb))
    denom = np.empty(nb)
    for jj in range(inputs.shape[0]):
        for i in range(m):
            li = lam[i]
            for r in range(d):
                vr = vec[r]
                for s in range(nb):
                    vr[s] = 0.0
            v0 = vec[inputs[jj]]
            for s in range(nb):
                v0[s] = 1.0
                denom[s] = 1.0
            for o in range(m):
                if o == i:
                    continue
                # vec <- (K + lam_o I) vec, i.e. (K - mu_o I) with mu_o = -lam_o
                lo_ = lam[o]
                for r in range(d):
                    acc = nxt[r]
                    vr = vec[r]
                    for s in range(nb):
                        acc[s] = lo_[s] * vr[s]
                    for c in range(d):
                        kc = kmat[r, c]
                        vc = vec[c]
                        for s in range(nb):
                            acc[s] += kc[s] * vc[s]
                for r in range(d):
                    vr = vec[r]
                    nr = nxt[r]
                    for s in range(nb):
                        vr[s] = nr[s]
                for s in range(nb):
                    denom[s] *= lo_[s] - li[s]  # mu_i - mu_o
            for r in range(d):
                vr = vec[r]
                out = resp[jj, r, i]
                for s in range(nb):
                    out[s] = vr[s] / denom[s]


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
        lam = np.empty((m, nb))
        resp = np.empty((n_in, d, m, nb))
        _modes_block(
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
            lam,
            resp,
        )
        cf = np.empty((n_out, n_in, m, nb))
        for o in range(n_out):
            div = pb[out_div[o]]
            for jj in range(n_in):
                for i in range(m):
                    src = resp[jj, out_cmt[o], i]
                    dst = cf[o, jj, i]
                    for b in range(nb):
                        dst[b] = src[b] / div[b]
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
    Every loop over the tile starts at zero (no negative-index check, so it vectorises). Output
    times with the same step and nothing but plain boluses exactly on them (a run) go to
    `_run3`, `_run2` or `_run_any`; the others (the first output time, infusions, lagged or
    steady-state doses between output times) are done one at a time over the whole tile."""
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
    amts = np.zeros((n_in, n_t))  # plain bolus amounts by input and step of a run
    scale = np.ones((n_in, nb))  # what a plain bolus into each input is multiplied by
    depot_in = np.empty(n_in, dtype=np.int64)
    last_in = np.empty(n_in, dtype=np.int64)
    # The general run (`_run_any`) costs more per step than it saves on a narrow tile (one
    # subject with its own lag time): there, one output time at a time.
    special = n_in == 1 and ((n_out == 1 and (m == 2 or m == 3)) or (n_out == 2 and m == 4))
    n_open = 0
    ptr = 0
    prev = -np.inf
    last_dt = -1.0
    k = 0
    while k < n_t:
        t = grid[k]
        dt = t - prev
        if k > 0 and dt != last_dt:  # the first step decays nothing: the state is still zero
            for i in range(m):
                li = lam[i]
                di = dec[i]
                for b in range(nb):
                    di[b] = math.exp(-li[b] * dt)
            last_dt = dt
        # A run: steps k..k1-1 with the same step and no dose but plain boluses on the step
        # itself (at most one per input and step, all of an input's from the depot or none),
        # swept `_RUN` subjects at a time through all its steps (their states stay in L1 cache).
        k1 = k
        p = ptr
        if k > 0 and n_open == 0 and (special or nb >= 32):
            for jj in range(n_in):
                depot_in[jj] = -1
                last_in[jj] = -1
            while k1 < n_t and (k1 == k or grid[k1] - grid[k1 - 1] == dt):
                tk = grid[k1]
                q = p
                plain = True
                while q < n_ev and starts[order[q]] <= tk:
                    e = order[q]
                    jj = ev_input[e]
                    dep = 1 if ev_depot[e] else 0
                    if (
                        starts[e] != tk
                        or ev_duration[e] > 0.0
                        or ev_ss[e] > 0.0
                        or last_in[jj] == k1
                        or (depot_in[jj] >= 0 and depot_in[jj] != dep)
                    ):
                        plain = False
                        break
                    last_in[jj] = k1
                    q += 1
                if not plain:
                    break
                for jj in range(n_in):
                    amts[jj, k1 - k] = 0.0
                for qq in range(p, q):
                    e = order[qq]
                    jj = ev_input[e]
                    amts[jj, k1 - k] = ev_amount[e]
                    depot_in[jj] = 1 if ev_depot[e] else 0
                p = q
                k1 += 1
        if k1 > k:
            for jj in range(n_in):
                sc = scale[jj]
                for b in range(nb):
                    sc[b] = fb[b] if depot_in[jj] == 1 else 1.0
            if n_in == 1 and m == 3 and n_out == 1:
                _run3(k, k1, lo, state[0], dec, cf[0, 0], out, amts[0], scale[0])
            elif n_in == 1 and m == 2 and n_out == 1:
                _run2(k, k1, lo, state[0], dec, cf[0, 0], out, amts[0], scale[0])
            elif n_in == 1 and m == 4 and n_out == 2:
                _run4(k, k1, lo, state[0], dec, cf[:, 0], out, amts[0], scale[0])
            else:
                _run_any(k, k1, lo, state, dec, cf, work, out, amts, scale)
            ptr = p
            prev = grid[k1 - 1]
            k = k1
            continue
        if k > 0 and n_open == 0 and not (ptr < n_ev and starts[order[ptr]] <= t):
            # No dose (on a narrow tile): decay and the first output in one pass.
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
            row = out[0, k, lo : lo + nb]
            for b in range(nb):
                row[b] = work[b]
            for o in range(1, n_out):
                _tile_output(o, k, lo, cf, state, work, out)
            prev = t
            k += 1
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
            if x == 0.0 and ev_ss[e] <= 0.0:
                # A plain bolus on an output time (the usual case): no exponential, so the loop
                # over the tile runs with SIMD instructions.
                for i in range(m):
                    st = state[jj, i]
                    if ev_depot[e]:
                        for b in range(nb):
                            st[b] += amt * fb[b]
                    else:
                        for b in range(nb):
                            st[b] += amt
                continue
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
        k += 1


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


def _stream8(dst, i, src, j):  # pragma: no cover - compiled
    """dst[i:i+8] = src[j:j+8]. Compiled (`_compiled_intrinsics`): one vector store that
    bypasses the caches (a non-temporal store; dst[i] must be aligned to the vector's size)."""
    dst[i : i + 8] = src[j : j + 8]


def _fence():  # pragma: no cover - compiled
    """Compiled: orders the non-temporal stores before whatever follows (sfence)."""


def _put(row, src):  # pragma: no cover - compiled
    """row[:] = src[:len(row)] (same dtype): the whole vectors of the row go straight to memory
    (`_stream8`), which saves reading each cache line of the result before writing it; the
    unaligned ends are ordinary stores."""
    n = row.shape[0]
    size = row.itemsize
    addr = row.ctypes.data
    # An array not aligned to its element size (possible with a view of raw bytes) is written
    # with ordinary stores only.
    head = n if addr % size else min(n, ((-addr) % (8 * size)) // size)
    for b in range(head):
        row[b] = src[b]
    i = head
    while i + 8 <= n:
        _stream8(row, i, src, i)
        i += 8
    for b in range(i, n):
        row[b] = src[b]


_RUN = 256  # subjects per pass through a run: their states, decay factors and coefficients
# (9 x 256 doubles for three modes, 18 KB) stay in L1 cache, and each output row gets 1-2 KB per
# pass (256 was the fastest of 64-1024 on the bench, float32 and float64)
_RUN32 = 2048  # the same for float32 output: 2048 subjects per pass (9 x 2048 doubles of states,
# decay factors and coefficients, 144 KB, in the second-level cache) give each output row 8 KB of
# contiguous writes per pass instead of 1 KB; the sweep is bound by its writes, not by its
# arithmetic, and this halves its cost per row (13.5 -> 6.8-8 ms per 100,000 subjects x 336 steps
# on one core), the same arithmetic in the same order (bit-identical results). Propagating
# compartment amounts in float32 instead (x <- T x, T = expm(K dt) per subject, 7 multiply-adds
# a step for two compartments oral) was tried: no faster than this at the same width, and 1e-6
# to 1e-5 from the float64 result (rounding that accumulates along the slow phase) where this
# gives the float64 result rounded once


def _run3(k0, k1, lo, st, dec, cf, out, amt, sc):  # pragma: no cover - compiled
    """Three modes, one input, one output: steps k0..k1-1, all with decay factors `dec`, and at
    step k0 + j a plain bolus of amt[j] x sc (per subject; amt[j] = 0 for none). Each pass takes
    `_RUN` subjects through every step, four steps per sweep over them (their states are loaded
    and stored once per four output rows)."""
    nb = st.shape[1]
    rw = _RUN if out.itemsize == 8 else _RUN32
    n = k1 - k0
    tmp = np.empty((4, rw), dtype=out.dtype)
    r0, r1, r2, r3 = tmp[0], tmp[1], tmp[2], tmp[3]
    for b0 in range(0, nb, rw):
        b1 = min(nb, b0 + rw)
        s0, s1, s2 = st[0, b0:b1], st[1, b0:b1], st[2, b0:b1]
        d0, d1, d2 = dec[0, b0:b1], dec[1, b0:b1], dec[2, b0:b1]
        c0, c1, c2 = cf[0, b0:b1], cf[1, b0:b1], cf[2, b0:b1]
        g = sc[b0:b1]
        j = 0
        while j + 4 <= n:
            k = k0 + j
            a0, a1, a2, a3 = amt[j], amt[j + 1], amt[j + 2], amt[j + 3]
            if a0 == 0.0 and a1 == 0.0 and a2 == 0.0 and a3 == 0.0:
                for b in range(b1 - b0):
                    e0, e1, e2 = d0[b], d1[b], d2[b]
                    f0, f1, f2 = c0[b], c1[b], c2[b]
                    x0 = s0[b] * e0
                    x1 = s1[b] * e1
                    x2 = s2[b] * e2
                    r0[b] = f0 * x0 + f1 * x1 + f2 * x2
                    x0 *= e0
                    x1 *= e1
                    x2 *= e2
                    r1[b] = f0 * x0 + f1 * x1 + f2 * x2
                    x0 *= e0
                    x1 *= e1
                    x2 *= e2
                    r2[b] = f0 * x0 + f1 * x1 + f2 * x2
                    x0 *= e0
                    x1 *= e1
                    x2 *= e2
                    r3[b] = f0 * x0 + f1 * x1 + f2 * x2
                    s0[b] = x0
                    s1[b] = x1
                    s2[b] = x2
            else:
                for b in range(b1 - b0):
                    e0, e1, e2 = d0[b], d1[b], d2[b]
                    f0, f1, f2 = c0[b], c1[b], c2[b]
                    gb = g[b]
                    h = a0 * gb
                    x0 = s0[b] * e0 + h
                    x1 = s1[b] * e1 + h
                    x2 = s2[b] * e2 + h
                    r0[b] = f0 * x0 + f1 * x1 + f2 * x2
                    h = a1 * gb
                    x0 = x0 * e0 + h
                    x1 = x1 * e1 + h
                    x2 = x2 * e2 + h
                    r1[b] = f0 * x0 + f1 * x1 + f2 * x2
                    h = a2 * gb
                    x0 = x0 * e0 + h
                    x1 = x1 * e1 + h
                    x2 = x2 * e2 + h
                    r2[b] = f0 * x0 + f1 * x1 + f2 * x2
                    h = a3 * gb
                    x0 = x0 * e0 + h
                    x1 = x1 * e1 + h
                    x2 = x2 * e2 + h
                    r3[b] = f0 * x0 + f1 * x1 + f2 * x2
                    s0[b] = x0
                    s1[b] = x1
                    s2[b] = x2
            for u in range(4):
                _put(out[0, k + u, lo + b0 : lo + b1], tmp[u])
            j += 4
        while j < n:
            a0 = amt[j]
            for b in range(b1 - b0):
                h = a0 * g[b]
                x0 = s0[b] * d0[b] + h
                x1 = s1[b] * d1[b] + h
                x2 = s2[b] * d2[b] + h
                s0[b] = x0
                s1[b] = x1
                s2[b] = x2
                r0[b] = c0[b] * x0 + c1[b] * x1 + c2[b] * x2
            _put(out[0, k0 + j, lo + b0 : lo + b1], r0)
            j += 1
    _fence()


def _run4(k0, k1, lo, st, dec, cf, out, amt, sc):  # pragma: no cover - compiled
    """Four modes (a parent with absorption, two compartments and a metabolite), one input, two
    outputs (parent and metabolite): as `_run3`, cf (2, 4, nb)."""
    nb = st.shape[1]
    rw = _RUN if out.itemsize == 8 else _RUN32
    n = k1 - k0
    tmp = np.empty((2, 4, rw), dtype=out.dtype)
    for b0 in range(0, nb, rw):
        b1 = min(nb, b0 + rw)
        s0, s1, s2, s3 = st[0, b0:b1], st[1, b0:b1], st[2, b0:b1], st[3, b0:b1]
        d0, d1, d2, d3 = dec[0, b0:b1], dec[1, b0:b1], dec[2, b0:b1], dec[3, b0:b1]
        p0, p1, p2, p3 = cf[0, 0, b0:b1], cf[0, 1, b0:b1], cf[0, 2, b0:b1], cf[0, 3, b0:b1]
        q0, q1, q2, q3 = cf[1, 0, b0:b1], cf[1, 1, b0:b1], cf[1, 2, b0:b1], cf[1, 3, b0:b1]
        g = sc[b0:b1]
        j = 0
        while j < n:
            u = min(4, n - j)
            a0 = amt[j]
            a1 = amt[j + 1] if u > 1 else 0.0
            a2 = amt[j + 2] if u > 2 else 0.0
            a3 = amt[j + 3] if u > 3 else 0.0
            for b in range(b1 - b0):
                e0, e1, e2, e3 = d0[b], d1[b], d2[b], d3[b]
                gb = g[b]
                h = a0 * gb
                x0 = s0[b] * e0 + h
                x1 = s1[b] * e1 + h
                x2 = s2[b] * e2 + h
                x3 = s3[b] * e3 + h
                tmp[0, 0, b] = p0[b] * x0 + p1[b] * x1 + p2[b] * x2 + p3[b] * x3
                tmp[1, 0, b] = q0[b] * x0 + q1[b] * x1 + q2[b] * x2 + q3[b] * x3
                h = a1 * gb
                x0 = x0 * e0 + h
                x1 = x1 * e1 + h
                x2 = x2 * e2 + h
                x3 = x3 * e3 + h
                tmp[0, 1, b] = p0[b] * x0 + p1[b] * x1 + p2[b] * x2 + p3[b] * x3
                tmp[1, 1, b] = q0[b] * x0 + q1[b] * x1 + q2[b] * x2 + q3[b] * x3
                h = a2 * gb
                x0 = x0 * e0 + h
                x1 = x1 * e1 + h
                x2 = x2 * e2 + h
                x3 = x3 * e3 + h
                tmp[0, 2, b] = p0[b] * x0 + p1[b] * x1 + p2[b] * x2 + p3[b] * x3
                tmp[1, 2, b] = q0[b] * x0 + q1[b] * x1 + q2[b] * x2 + q3[b] * x3
                h = a3 * gb
                x0 = x0 * e0 + h
                x1 = x1 * e1 + h
                x2 = x2 * e2 + h
                x3 = x3 * e3 + h
                tmp[0, 3, b] = p0[b] * x0 + p1[b] * x1 + p2[b] * x2 + p3[b] * x3
                tmp[1, 3, b] = q0[b] * x0 + q1[b] * x1 + q2[b] * x2 + q3[b] * x3
                if u == 4:
                    s0[b] = x0
                    s1[b] = x1
                    s2[b] = x2
                    s3[b] = x3
            if u < 4:  # the last steps of the run, one at a time (the states at their end)
                for b in range(b1 - b0):
                    x0, x1, x2, x3 = s0[b], s1[b], s2[b], s3[b]
                    for jj in range(u):
                        h = amt[j + jj] * g[b]
                        x0 = x0 * d0[b] + h
                        x1 = x1 * d1[b] + h
                        x2 = x2 * d2[b] + h
                        x3 = x3 * d3[b] + h
                    s0[b] = x0
                    s1[b] = x1
                    s2[b] = x2
                    s3[b] = x3
            for o in range(2):
                for jj in range(u):
                    _put(out[o, k0 + j + jj, lo + b0 : lo + b1], tmp[o, jj])
            j += u
    _fence()


def _run2(k0, k1, lo, st, dec, cf, out, amt, sc):  # pragma: no cover - compiled
    """Two modes, one input, one output: as `_run3`, one step per sweep."""
    nb = st.shape[1]
    rw = _RUN if out.itemsize == 8 else _RUN32
    row = np.empty(rw, dtype=out.dtype)
    for b0 in range(0, nb, rw):
        b1 = min(nb, b0 + rw)
        s0, s1 = st[0, b0:b1], st[1, b0:b1]
        d0, d1 = dec[0, b0:b1], dec[1, b0:b1]
        c0, c1 = cf[0, b0:b1], cf[1, b0:b1]
        g = sc[b0:b1]
        for k in range(k0, k1):
            a0 = amt[k - k0]
            for b in range(b1 - b0):
                h = a0 * g[b]
                x0 = s0[b] * d0[b] + h
                x1 = s1[b] * d1[b] + h
                s0[b] = x0
                s1[b] = x1
                row[b] = c0[b] * x0 + c1[b] * x1
            _put(out[0, k, lo + b0 : lo + b1], row)
    _fence()


def _run_any(k0, k1, lo, state, dec, cf, work, out, amt, sc):  # pragma: no cover - compiled
    """Any inputs, modes and outputs: as `_run3` with amt (inputs, steps) and sc (inputs, nb);
    one step per sweep (decay every state and add its bolus, then each output)."""
    n_out, n_in, m, nb = cf.shape
    row = np.empty(_RUN, dtype=out.dtype)
    for b0 in range(0, nb, _RUN):
        b1 = min(nb, b0 + _RUN)
        w = work[: b1 - b0]
        for k in range(k0, k1):
            for b in range(b1 - b0):
                w[b] = 0.0
            for jj in range(n_in):
                a0 = amt[jj, k - k0]
                g = sc[jj, b0:b1]
                for i in range(m):
                    st = state[jj, i, b0:b1]
                    di = dec[i, b0:b1]
                    cfo = cf[0, jj, i, b0:b1]
                    for b in range(b1 - b0):
                        x = st[b] * di[b] + a0 * g[b]
                        st[b] = x
                        w[b] += cfo[b] * x
            for b in range(b1 - b0):
                row[b] = w[b]
            _put(out[0, k, lo + b0 : lo + b1], row)
            for o in range(1, n_out):
                for b in range(b1 - b0):
                    w[b] = 0.0
                for jj in range(n_in):
                    for i in range(m):
                        st = state[jj, i, b0:b1]
                        cfo = cf[o, jj, i, b0:b1]
                        for b in range(b1 - b0):
                            w[b] += cfo[b] * st[b]
                for b in range(b1 - b0):
                    row[b] = w[b]
                _put(out[o, k, lo + b0 : lo + b1], row)
    _fence()


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
    "_modes_block": {"error_model": "numpy"},
    "modal_coefficients": {"parallel": True},
    "_infusion_history": {},
    "_put": {"inline": "always"},
    "_tile_output": {"inline": "always"},
    "_run3": {},
    "_run4": {},
    "_run2": {},
    "_run_any": {},
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
        "_RUN": _RUN,
        "_RUN32": _RUN32,
    }
    from myorelax.pk.streaming_stores import compiled_intrinsics

    namespace.update(compiled_intrinsics())
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
