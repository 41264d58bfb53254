"""Benchmark: start-up as a person feels it, side by side in one run (medians of --n runs).

`python -c pass` and `python -c "import numpy"` are the floors; then `myorelax --help`,
`myorelax drugs show baclofen`, `myorelax check` for a patient with five medications, and the
service's time from process start to its first answered request (knowledge base warm). Every
command runs with the user's warm cache (a first run builds the snapshots; see
`docs/architecture.md`, decision 29).

    .venv/bin/python bench/bench_startup.py [--n 10]

Where the time goes: `python -X importtime -m myorelax.cli.main check ...`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
CHECK = [
    "check", "--order", "baclofen 10 mg tid", "--age", "70", "--sex", "female",
    "--weight-kg", "60", "--scr-mg-dl", "1.1",
    "--med", "oxycodone 5 mg q6h prn", "--med", "sertraline 50 mg daily",
    "--med", "Percocet 5/325 1 tab q6h prn", "--med", "lisinopril 10 mg daily",
    "--med", "gabapentin 300 mg tid", "--json",
]  # fmt: skip


def run(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_first_answer(n: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(n):
            port = free_port()
            env = {
                **os.environ,
                "MYORELAX_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                "MYORELAX_PORT": str(port),
            }
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [str(BIN / "myorelax"), "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                while True:
                    try:
                        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=0.5)
                        if r.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if proc.poll() is not None:
                        raise RuntimeError("the server exited")
                    time.sleep(0.02)
                times.append(time.perf_counter() - t0)
            finally:
                proc.terminate()
                proc.wait(10)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()
    py, exe = sys.executable, str(BIN / "myorelax")
    subprocess.run([exe, *CHECK], check=True, stdout=subprocess.DEVNULL)  # warm the caches
    rows = [
        ("python -c pass", run([py, "-c", "pass"], args.n), None),
        ('python -c "import numpy"', run([py, "-c", "import numpy"], args.n), None),
        ("myorelax --help", run([exe, "--help"], args.n), 0.3),
        ("myorelax drugs show baclofen", run([exe, "drugs", "show", "baclofen"], args.n), 0.5),
        ("myorelax check (5 medications)", run([exe, *CHECK], args.n), 1.0),
        ("server: start to first answer", server_first_answer(max(3, args.n // 2)), 3.0),
    ]
    floor = rows[0][1]
    print(f"{'command':36} {'median':>9} {'x python':>9} {'target':>8}")
    for name, t, target in rows:
        goal = f"{target:.1f} s" if target else ""
        mark = "" if target is None else ("  ok" if t <= target else "  over")
        print(f"{name:36} {t:8.3f}s {t / floor:8.1f}x {goal:>8}{mark}")


if __name__ == "__main__":
    main()
