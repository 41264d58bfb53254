"""CPU-bound work (checks, simulations, plans, CDS reviews) off the event loop and at most
`cpu_concurrency` at a time per process.

On a machine with few cores, running every request's computation at once in the thread pool
(40 threads) makes them share the interpreter lock: each request takes longer, and under 16
concurrent clients the throughput of `/check` fell from 120 to 75 requests/s with a p99 of 1 s.
Admitting as many computations as there are cores and queueing the rest keeps each one at its
own speed; the event loop stays free for health checks and I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

from myorelax.api.deps import AppState

T = TypeVar("T")


async def compute(st: AppState, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a worker thread once a CPU slot is free."""
    return await anyio.to_thread.run_sync(
        functools.partial(fn, *args, **kwargs), limiter=st.cpu_limiter
    )
