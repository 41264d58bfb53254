"""Benchmark: reading a real-world medication list, and loading an RxNorm release.

1. A 20-line medication list as clinicians write it (brands, combinations with strengths,
   RxNorm names, RxCUIs, Tall Man) read into ingredient orders:
   - warm, in one process (terminology loaded): median per list, against the floor of the
     same 20 lines looked up as exact names in a plain dict built from the product index;
   - cold, a fresh process with an empty cache (the product index is parsed and its snapshot
     written) and a fresh process with the snapshot warm, against a bare `python -c pass`.
2. Loading an RxNorm release: the tests' fixture release (real rows) replicated with shifted
   RxCUIs to `--lines` lines per file, read and stored in SQLite in one transaction; against
   the floor of reading and splitting the same files, and a raw sqlite3 executemany of the same
   rows. The rate (lines/s) gives the time for a full release of `--full-*` lines.

    .venv/bin/python bench/bench_resolve.py [--n 200] [--lines 200000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import timed  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "rxnorm" / "rrf"

MEDS = [
    "Percocet 5/325 1 tab q6h prn",
    "Norco 10-325 mg q6h prn",
    "Yaz daily",
    "levonorgestrel/ethinyl estradiol 0.15/0.03 mg daily",
    "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet [Percocet] q6h prn",
    "Xanax 0.5 mg tid",
    "Luvox 100 mg daily",
    "Cipro 500 mg bid",
    "Nardil 15 mg tid",
    "Antabuse 250 mg daily",
    "Neurontin 300 mg tid",
    "Lyrica 75 mg bid",
    "Ambien 5 mg qhs",
    "hydroXYzine 25 mg tid",
    "tiZANidine 4 mg tid",
    "Soma Compound with Codeine 1 tab tid",
    "sertraline 50 mg daily",
    "lisinopril 10 mg daily",
    "HCTZ 25 mg daily",
    "APAP 500 mg q6h prn",
]

RESOLVE = """
import sys
from myorelax.clinical.inputs import medication_orders
meds = sys.argv[1:]
orders = [o for m in meds for o in medication_orders(m, field="medications")[0]]
assert len(orders) >= len(meds)
"""


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def bench_list(n: int) -> None:
    from myorelax.clinical.inputs import medication_orders
    from myorelax.knowledge.loader import load_products
    from myorelax.knowledge.text import normalize_name

    orders = [o for m in MEDS for o in medication_orders(m, field="medications")[0]]
    ingredients = {o.drug for o in orders}
    print(f"20 lines -> {len(orders)} ingredient orders ({len(ingredients)} ingredients)")
    index = load_products()
    plain = {normalize_name(p.name): p.rxcui for p in index}  # the floor: exact-name lookups
    keys = [normalize_name(m) for m in MEDS]

    def warm() -> object:
        return [medication_orders(m, field="medications") for m in MEDS]

    def floor() -> object:
        return [plain.get(k) for k in keys]

    warm()
    w = statistics.median(timed(warm, n))
    f = statistics.median(timed(floor, n * 10))
    print(f"warm, per list: median {ms(w)}; dict-lookup floor {ms(f)}; ratio {w / f:,.0f}x")

    exe = sys.executable
    env = {**os.environ}
    with tempfile.TemporaryDirectory() as cache:
        env["MYORELAX_CACHE_DIR"] = cache

        def run(code: str) -> float:
            t0 = time.perf_counter()
            subprocess.run([exe, "-c", code, *MEDS], check=True, env=env)
            return time.perf_counter() - t0

        cold = run(RESOLVE)  # empty cache: snapshots built and written
        warm_proc = statistics.median([run(RESOLVE) for _ in range(5)])
    bare = statistics.median(
        [timed(lambda: subprocess.run([exe, "-c", "pass"], check=True), 1)[0] for _ in range(5)]
    )
    print(
        f"fresh process, empty cache: {cold:.2f} s; snapshot warm: median {warm_proc:.2f} s; "
        f"bare python: {bare:.3f} s (warm is {warm_proc / bare:.1f}x a bare interpreter)"
    )


def _replicated(dst: Path, lines: int) -> dict[str, int]:
    """The fixture's RRF files with every line repeated, RxCUIs shifted so that each copy is
    another set of concepts; returns lines per file."""
    counts: dict[str, int] = {}
    for src in sorted(FIXTURE.iterdir()):
        rows = [r for r in src.read_text(encoding="utf-8").splitlines() if r]
        out: list[str] = []
        copy = 0
        while len(out) < lines:
            shift = copy * 10_000_000
            for r in rows:
                cells = r.split("|")
                for i in (0, 4) if src.name == "RXNREL.RRF" else (0,):
                    if cells[i].isdigit():
                        cells[i] = str(int(cells[i]) + shift)
                out.append("|".join(cells))
            copy += 1
        (dst / src.name).write_text("\n".join(out[:lines]) + "\n", encoding="utf-8")
        counts[src.name] = lines
    return counts


def bench_release(lines: int, full: dict[str, int]) -> None:
    from myorelax.store.db import Database
    from myorelax.store.rxnorm import read_release, store_release

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "rrf"
        folder.mkdir()
        counts = _replicated(folder, lines)
        total = sum(counts.values())

        t0 = time.perf_counter()
        for f in folder.iterdir():
            with f.open(encoding="utf-8") as fh:
                for line in fh:
                    line.split("|")
        floor = time.perf_counter() - t0

        db = Database.connect(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        release = read_release(folder)
        read = time.perf_counter() - t0
        t0 = time.perf_counter()
        store_release(db.engine, release)
        store = time.perf_counter() - t0

        con = sqlite3.connect(f"{tmp}/raw.db")
        con.execute("create table names (rxcui text, tty text, name text)")
        t0 = time.perf_counter()
        with con:
            con.executemany("insert into names values (?, ?, ?)", release.names)
        raw = time.perf_counter() - t0
        con.close()

    ours = read + store
    rate = total / ours
    print(
        f"release of {total:,} lines ({len(release.names):,} names, {len(release.ndcs):,} NDCs): "
        f"read {read:.2f} s + store {store:.2f} s = {ours:.2f} s ({rate:,.0f} lines/s)"
    )
    print(
        f"  floor (read and split the files) {floor:.2f} s: {ours / floor:.1f}x; "
        f"raw sqlite3 insert of the names {raw:.2f} s against our store {store:.2f} s: "
        f"{store / raw:.1f}x"
    )
    full_lines = sum(full.values())
    print(
        f"  a full release of {full_lines:,} lines "
        f"({', '.join(f'{k} {v:,}' for k, v in full.items())}) at this rate: "
        f"about {full_lines / rate / 60:.1f} min"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--lines", type=int, default=200_000)
    # Line counts of a full monthly RxNorm release are of this order; pass the real ones
    # (wc -l rrf/RXN*.RRF) for a firmer estimate.
    ap.add_argument("--full-conso", type=int, default=1_200_000)
    ap.add_argument("--full-rel", type=int, default=6_500_000)
    ap.add_argument("--full-sat", type=int, default=7_000_000)
    args = ap.parse_args()
    bench_list(args.n)
    bench_release(
        args.lines,
        {
            "RXNCONSO": args.full_conso,
            "RXNREL": args.full_rel,
            "RXNSAT": args.full_sat,
        },
    )


if __name__ == "__main__":
    main()
