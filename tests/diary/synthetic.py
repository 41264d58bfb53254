"""Synthetic diaries with planted effects (known answers for the analysis tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np

from myorelax.diary.entries import DiaryEntry
from myorelax.diary.records import RegimenPeriod

TZ = timezone(timedelta(hours=-5))
START = date(2026, 1, 1)


def at(day: int, hh: int = 20, mm: int = 0) -> datetime:
    d = START + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=TZ)


def ar1(n: int, phi: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal(0, sd)
    return x


def pain_stress_diary(n: int, link: float, seed: int) -> list[DiaryEntry]:
    """Stress AR(1); pain AR(1) plus `link` x yesterday's stress."""
    rng = np.random.default_rng(seed)
    stress = 5 + ar1(n, 0.5, 1.2, rng)
    noise = ar1(n, 0.3, 0.8, rng)
    pain = 4 + noise
    pain[1:] += link * (stress[:-1] - 5)
    out = []
    for d in range(n):
        out.append(
            DiaryEntry(
                at=at(d, 21), kind="stress", value=float(np.clip(np.round(stress[d]), 0, 10))
            )
        )
        out.append(
            DiaryEntry(at=at(d, 21, 5), kind="pain", value=float(np.clip(np.round(pain[d]), 0, 10)))
        )
    return out


def spasm_halving_diary(
    n: int, change_day: int, seed: int
) -> tuple[list[DiaryEntry], list[RegimenPeriod]]:
    """Penn spasm frequency about 3 a day before a baclofen increase, about 1.5 after."""
    rng = np.random.default_rng(seed)
    out = []
    for d in range(n):
        mean = 3.0 if d < change_day else 1.5
        freq = int(np.clip(round(mean + rng.normal(0, 0.6)), 0, 4))
        out.append(DiaryEntry(at=at(d, 21), kind="spasm", value=freq, severity=2 if freq else None))
        out.append(
            DiaryEntry(
                at=at(d, 21, 1),
                kind="pain",
                value=float(np.clip(np.round(5 + rng.normal(0, 1)), 0, 10)),
            )
        )
    change = START + timedelta(days=change_day)
    regimens = [
        RegimenPeriod(id=1, patient_id=1, sig="baclofen 10 mg tid", drug="baclofen", dose_mg=10,
                      doses_per_day=3, times=("08:00", "14:00", "20:00"), start=START,
                      end=change - timedelta(days=1)),
        RegimenPeriod(id=2, patient_id=1, sig="baclofen 20 mg tid", drug="baclofen", dose_mg=20,
                      doses_per_day=3, times=("08:00", "14:00", "20:00"), start=change),
    ]  # fmt: skip
    return out, regimens


def doses(
    drug: str, mg: float, days: range, times: tuple[str, ...], skip: set[int] = frozenset()
) -> list[DiaryEntry]:  # type: ignore[assignment]
    out = []
    for d in days:
        if d in skip:
            continue
        for t in times:
            hh, mm = (int(x) for x in t.split(":"))
            out.append(DiaryEntry(at=at(d, hh, mm + 10), kind="dose", drug=drug, dose_mg=mg))
    return out
