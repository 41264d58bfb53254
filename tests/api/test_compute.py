"""CPU-bound work is admitted `cpu_concurrency` at a time (issue 20, finding 15), off the loop."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from myorelax.api.app import create_app
from myorelax.api.compute import compute
from myorelax.api.settings import Settings


def _busy(state: dict[str, Any], lock: threading.Lock) -> None:
    with lock:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
    time.sleep(0.05)
    with lock:
        state["now"] -= 1


@pytest.mark.parametrize("slots", [1, 2])
def test_at_most_the_configured_number_of_computations_run_at_once(slots: int) -> None:
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    async def main() -> float:
        st: Any = SimpleNamespace(cpu_limiter=anyio.CapacityLimiter(slots))
        busy_ticks = 0
        done = anyio.Event()

        async def heartbeat() -> None:
            # Counts the loop's turns that happened while a computation was running: work run
            # on the loop itself would block it for the whole computation and count none.
            nonlocal busy_ticks
            while not done.is_set():
                busy_ticks += state["now"] > 0
                await anyio.sleep(0.005)

        async def work() -> None:
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(compute, st, _busy, state, lock)
            done.set()

        t0 = time.perf_counter()
        async with anyio.create_task_group() as tg:
            tg.start_soon(heartbeat)
            tg.start_soon(work)
        assert busy_ticks >= 1  # the event loop kept running while the work was computed
        return time.perf_counter() - t0

    elapsed = anyio.run(main)
    assert state["most"] == slots
    assert elapsed >= 6 / slots * 0.05 * 0.9


def test_the_setting_makes_the_limiter_and_zero_leaves_only_the_thread_pool(
    tmp_path: Any,
) -> None:
    for value, expected in ((3, 3), (0, None)):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'db{value}.sqlite'}",
            cpu_concurrency=value,
            create_demo_users=False,
        )
        with TestClient(create_app(settings)) as client:
            limiter = client.app.state.myorelax.cpu_limiter  # type: ignore[attr-defined]
            assert (None if limiter is None else limiter.total_tokens) == expected
