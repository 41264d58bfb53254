"""The analysis finds planted effects and does not call noise significant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from myorelax import load_knowledge
from myorelax.diary.analysis import analyse_diary
from myorelax.diary.entries import DiaryEntry, pss10_total
from myorelax.diary.records import RegimenPeriod
from tests.diary.synthetic import (
    START,
    at,
    doses,
    pain_stress_diary,
    spasm_halving_diary,
)

KB = load_knowledge()
TID = ("08:00", "14:00", "20:00")


def _end(n: int):  # type: ignore[no-untyped-def]
    return START + timedelta(days=n - 1)


def test_planted_lag1_stress_to_pain_is_found() -> None:
    entries = pain_stress_diary(90, link=0.7, seed=3)
    a = analyse_diary(entries, [], start=START, end=_end(90), kb=KB)
    stress_first = next(c for c in a.pain_stress if c.leading == "stress")
    lag1 = next(g for g in stress_first.lags if g.lag_days == 1)
    assert lag1.significant and lag1.r > 0.3
    assert lag1.ci_low > 0
    others = [g for g in stress_first.lags if g.lag_days != 1]
    assert not any(g.significant for g in others)
    assert "1 day(s) later" in stress_first.statement
    assert "not proof" in stress_first.statement
    assert stress_first.prewhitening.startswith("AR(")


def test_no_effect_is_not_called_significant() -> None:
    # 20 independent null diaries: with Bonferroni over 7 lags, false positives must be rare.
    hits = 0
    for seed in range(20):
        a = analyse_diary(pain_stress_diary(60, link=0.0, seed=100 + seed), [], start=START,
                          end=_end(60), kb=KB)  # fmt: skip
        hits += any(g.significant for c in a.pain_stress for g in c.lags)
    assert hits <= 2
    a = analyse_diary(pain_stress_diary(60, link=0.0, seed=7), [], start=START, end=_end(60), kb=KB)
    assert all(
        "could be detected" in c.statement
        for c in a.pain_stress
        if not any(g.significant for g in c.lags)
    )


def test_dose_change_that_halves_spasms_is_recovered() -> None:
    entries, regimens = spasm_halving_diary(60, change_day=30, seed=5)
    a = analyse_diary(entries, regimens, start=START, end=_end(60), kb=KB)
    spasm = next(e for e in a.dose_changes if e.measure == "spasm")
    assert spasm.significant
    assert spasm.ci_high < 0
    assert spasm.level_change == pytest.approx(-1.5, abs=0.6)
    assert spasm.after_mean < spasm.before_mean / 1.5
    pain = next(e for e in a.dose_changes if e.measure == "pain")
    assert not pain.significant  # no planted pain effect
    cps = a.change_points["spasm"]
    assert cps and min(abs((c - (START + timedelta(days=30))).days) for c in cps) <= 2


def test_missed_baclofen_day_is_a_withdrawal_alert() -> None:
    regimen = RegimenPeriod(id=1, patient_id=1, sig="baclofen 10 mg tid", drug="baclofen",
                            dose_mg=10, doses_per_day=3, times=TID, start=START)  # fmt: skip
    entries = doses("baclofen", 10, range(14), TID, skip={6})
    a = analyse_diary(entries, [regimen], start=START, end=_end(14), kb=KB)
    (adh,) = a.adherence
    assert (adh.expected, adh.taken, adh.missed) == (42, 39, 3)
    (alert,) = [x for x in a.alerts if x.code == "DIARY-MISSED-RUN"]
    assert alert.severity == "major"
    assert alert.first == START + timedelta(days=6)


def test_two_missed_doses_are_moderate_and_one_is_nothing() -> None:
    qid = ("08:00", "12:00", "16:00", "20:00")
    regimen = RegimenPeriod(id=1, patient_id=1, sig="baclofen 10 mg qid", drug="baclofen",
                            dose_mg=10, doses_per_day=4, times=qid, start=START)  # fmt: skip
    two = [e for e in doses("baclofen", 10, range(7), qid)
           if not (e.at.day == 4 and e.at.hour in (12, 16))]  # fmt: skip
    a = analyse_diary(two, [regimen], start=START, end=_end(7), kb=KB)
    (alert,) = [x for x in a.alerts if x.code == "DIARY-MISSED-RUN"]
    assert alert.severity == "moderate"  # 12 h between doses
    one = [
        e for e in doses("baclofen", 10, range(7), qid) if not (e.at.day == 4 and e.at.hour == 12)
    ]
    a = analyse_diary(one, [regimen], start=START, end=_end(7), kb=KB)
    assert not [x for x in a.alerts if x.code == "DIARY-MISSED-RUN"]
    assert a.adherence[0].missed == 1


def test_methocarbamol_missed_doses_raise_no_withdrawal_alert() -> None:
    regimen = RegimenPeriod(id=1, patient_id=1, sig="methocarbamol 750 mg tid",
                            drug="methocarbamol", dose_mg=750, doses_per_day=3, times=TID,
                            start=START)  # fmt: skip
    a = analyse_diary(doses("methocarbamol", 750, range(5), TID, skip={2}), [regimen],
                      start=START, end=_end(5), kb=KB)  # fmt: skip
    assert not a.alerts


def test_rising_carisoprodol_use_and_overuse_are_flagged() -> None:
    regimen = RegimenPeriod(id=1, patient_id=1, sig="carisoprodol 350 mg tid",
                            drug="carisoprodol", dose_mg=350, doses_per_day=3, times=TID,
                            start=START)  # fmt: skip
    entries = doses("carisoprodol", 350, range(28), TID)
    for week in range(4):
        for k in range(week * 2):  # 0, 2, 4, 6 extra tablets a week
            entries.append(DiaryEntry(at=at(week * 7 + k % 7, 23), kind="dose", drug="carisoprodol",
                                      dose_mg=350, dose_status="extra"))  # fmt: skip
    a = analyse_diary(entries, [regimen], start=START, end=_end(28), kb=KB)
    codes = {x.code: x for x in a.alerts}
    assert codes["DIARY-RISING-USE"].severity == "major"  # a schedule IV drug
    assert codes["DIARY-OVERUSE"].severity == "major"
    assert a.adherence[0].extra == 12


def test_steady_use_is_not_rising() -> None:
    regimen = RegimenPeriod(id=1, patient_id=1, sig="carisoprodol 350 mg tid",
                            drug="carisoprodol", dose_mg=350, doses_per_day=3, times=TID,
                            start=START)  # fmt: skip
    a = analyse_diary(doses("carisoprodol", 350, range(28), TID), [regimen], start=START,
                      end=_end(28), kb=KB)  # fmt: skip
    assert not a.alerts
    assert a.adherence[0].rate == 1.0


def test_side_effects_against_the_peak() -> None:
    entries = doses("tizanidine", 4, range(5), ("08:00",))
    entries += [DiaryEntry(at=at(d, 9, 30), kind="side_effect", symptom="drowsiness", severity=2)
                for d in range(5)]  # fmt: skip
    a = analyse_diary(entries, [], start=START, end=_end(5), kb=KB)
    (timing,) = a.side_effects
    assert timing.median_hours_after_dose == pytest.approx(1.33, abs=0.01)
    assert timing.near_peak == 5


def test_pss10_reverse_scoring() -> None:
    # items 4, 5, 7, 8 reversed: all answers 0 -> 4 x 4 = 16; all 4 -> 6 x 4 = 24
    assert pss10_total((0,) * 10) == 16
    assert pss10_total((4,) * 10) == 24
    assert pss10_total((1, 2, 3, 0, 1, 2, 4, 3, 0, 1)) == 1 + 2 + 3 + 4 + 3 + 2 + 0 + 1 + 0 + 1


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"kind": "pain", "value": 11}, "out of range"),
        ({"kind": "spasm", "value": 2}, "severity \\(1-3\\) is needed"),
        ({"kind": "spasm", "value": 0, "severity": 1}, "skipped when frequency is 0"),
        ({"kind": "dose", "drug": "baclofen"}, "needs drug and dose_mg"),
        ({"kind": "pss10", "items": [1, 2]}, "ten answers"),
        ({"kind": "side_effect", "symptom": "nausea"}, "severity 1-3"),
    ],
)
def test_entry_validation(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        DiaryEntry.model_validate({"at": at(0).isoformat(), **data})


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        DiaryEntry.model_validate({"at": "2026-01-01T08:00:00", "kind": "pain", "value": 3})
