"""Benchmark: one safety check for a patient with 12 current medications and 2 orders.

Side by side in one process: the check as served (knowledge base loaded once, cached) and the
same check run naively (the knowledge base re-read and re-validated, the terminology rebuilt,
on every call), to show what loading costs. Reports median and p99 latency.

    .venv/bin/python bench/bench_check.py [--n 2000]
"""

from __future__ import annotations

import argparse
import statistics
from datetime import date

from timing import percentile, timed  # type: ignore[import-not-found]

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge, validate_knowledge
from myorelax.knowledge.terminology import Terminology, default_terminology
from myorelax.safety.engine import evaluate_regimen

MEDS = [
    "oxycodone 5 mg q6h prn",
    "alprazolam 0.5 mg tid",
    "sertraline 50 mg daily",
    "gabapentin 300 mg tid",
    "lisinopril 10 mg daily",
    "amlodipine 5 mg daily",
    "omeprazole 20 mg daily",
    "zolpidem 5 mg qhs",
    "quetiapine 25 mg qhs",
    "ciprofloxacin 500 mg bid",
    "clonidine 0.1 mg bid",
    "hydroxyzine 25 mg tid",
]
ORDERS = ["tizanidine 4 mg tid", "carisoprodol 350 mg tid+hs for 14 days"]
TODAY = date(2026, 11, 21)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--naive-n", type=int, default=20)
    args = ap.parse_args()
    patient = patient_from_data(
        {"age_years": 72, "sex": "female", "weight_kg": 62, "scr_mg_dl": 1.3, "medications": MEDS}
    )
    regimen = regimen_from(ORDERS)
    kb, term = load_knowledge(), default_terminology()
    report = evaluate_regimen(patient, regimen, kb=kb, terminology=term, today=TODAY)

    def cached() -> object:
        return evaluate_regimen(patient, regimen, kb=kb, terminology=term, today=TODAY)

    def naive() -> object:
        fresh, _ = validate_knowledge()
        assert fresh is not None
        return evaluate_regimen(
            patient, regimen, kb=fresh, terminology=Terminology(fresh), today=TODAY
        )

    timed(cached, 50)  # warm-up
    fast = timed(cached, args.n)
    slow = timed(naive, args.naive_n)
    med_fast, p99_fast = statistics.median(fast), percentile(fast, 0.99)
    med_slow, p99_slow = statistics.median(slow), percentile(slow, 0.99)
    print(f"check: 12 medications + 2 orders -> {len(report.alerts)} alerts")
    print(
        f"cached knowledge base : median {med_fast * 1e3:.3f} ms  p99 {p99_fast * 1e3:.3f} ms"
        f"  (n={args.n})"
    )
    print(
        f"naive (reload per call): median {med_slow * 1e3:.1f} ms  p99 {p99_slow * 1e3:.1f} ms"
        f"  (n={args.naive_n})"
    )
    print(f"ratio naive/cached (median): {med_slow / med_fast:.0f}x")
    print(f"goal p99 < 1 ms: {'met' if p99_fast < 1e-3 else 'NOT met'}")


if __name__ == "__main__":
    main()
