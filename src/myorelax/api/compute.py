"""CPU-bound work (checks, simulations, plans, CDS reviews) off the event loop and at most
`cpu_concurrency` at a time per process.

The work runs in a worker thread, so the event loop stays free for health checks and I/O. With
`cpu_concurrency` set, at most that many computations run at once and the rest queue (the
default, 0, leaves only the thread pool's limit: on 2 cores a cap made no measurable difference to
`/check` under 16 clients, and a queue lets long population simulations hold up short checks).
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
