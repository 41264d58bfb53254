"""Benchmark: `POST /api/v1/check` under concurrent clients, with and without the CPU limiter.

Two `myorelax serve` processes run side by side on this machine (SQLite, one worker each):

- `limited`: the default, at most `cpu_concurrency` (the number of cores) checks computed at
  once; the other requests wait their turn (`myorelax.api.compute`);
- `thread pool`: `MYORELAX_CPU_CONCURRENCY=0`, every request computed at once in the thread pool
  (40 threads), as before issue 20's finding 15.

Closed loop: `--clients` clients each send the next request as soon as the previous answer came
back, for `--duration` seconds (after one second of warm-up). The request is the check of
`bench_check.py`: a 72-year-old with 12 current medications and two orders (tizanidine with
ciprofloxacin, carisoprodol). Reported per client count: requests/s, median and p99 latency.

    .venv/bin/python bench/bench_check_concurrency.py [--clients 1,4,16] [--duration 15]

The clients run in this process on the same two cores as the servers (they take CPU from them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_check import MEDS, ORDERS  # type: ignore[import-not-found]
from timing import percentile  # type: ignore[import-not-found]

BODY = {
    "patient": {"age_years": 72, "sex": "female", "weight_kg": 62, "scr_mg_dl": 1.3,
                "medications": MEDS},
    "orders": ORDERS,
    "date": "2026-11-21",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, name: str, folder: Path, extra: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MYORELAX_DATABASE_URL": f"sqlite:///{folder / (name + '.db')}",
               "MYORELAX_PUBLIC_URL": self.base, **extra}  # fmt: skip
        exe = Path(sys.executable).parent / "myorelax"
        self.log = folder / f"{name}.log"
        self.proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(self.port), "--log-level", "warning"],
            env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{name} did not start: {self.log.read_text()}")
        time.sleep(0.5)
        found = re.search(r"^\s+admin\s+(\S+)$", self.log.read_text(), re.M)
        assert found, "no first-start admin password in the server output"
        r = httpx.post(self.base + "/api/v1/auth/login",
                       json={"username": "admin", "password": found.group(1)})  # fmt: skip
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def load(srv: Served, clients: int, duration: float) -> tuple[float, list[float], int]:
    """Requests/s, latencies (s) and errors of `clients` closed-loop clients."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=srv.base, headers=srv.headers, timeout=60,
                                 limits=httpx.Limits(max_connections=clients)) as http:  # fmt: skip

        async def client(until: float, record: bool) -> None:
            nonlocal errors
            while time.perf_counter() < until:
                t0 = time.perf_counter()
                r = await http.post("/api/v1/check", json=BODY)
                if record:
                    latencies.append(time.perf_counter() - t0)
                    errors += r.status_code != 200

        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(client(warm, False) for _ in range(clients)))
        start = time.perf_counter()
        await asyncio.gather(*(client(start + duration, True) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--duration", type=float, default=15.0)
    args = ap.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        servers = [
            Served("limited", Path(tmp), {}),
            Served("thread-pool", Path(tmp), {"MYORELAX_CPU_CONCURRENCY": "0"}),
        ]
        try:
            print(f"cores: {os.cpu_count()}; each run {args.duration:g} s after 1 s of warm-up")
            print("| clients | server | requests/s | median | p99 | errors |")
            print("| --- | --- | --- | --- | --- | --- |")
            for n in counts:
                for srv in servers:  # side by side, one after the other at each load
                    rate, lat, errors = asyncio.run(load(srv, n, args.duration))
                    print(f"| {n} | {srv.name} | {rate:.1f} | "
                          f"{statistics.median(lat) * 1000:.1f} ms | "
                          f"{percentile(lat, 0.99) * 1000:.1f} ms | {errors} |", flush=True)  # fmt: skip
        finally:
            for srv in servers:
                srv.stop()


if __name__ == "__main__":
    main()
