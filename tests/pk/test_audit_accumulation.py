"""The accumulation ratio is the standard one: AUC over a dosing interval at steady state over the
AUC over the same interval after a single dose (Rowland and Tozer; Boxenbaum and Battle 1995).

The audit found the last day's AUC divided by the first day's AUC, which already holds the first
day's accumulation: cyclobenzaprine 10 mg tid read 2.85 where the label (steady state about
four-fold the single dose) and Winchell 2002 say about 4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.sig import parse_sig
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk import metrics
from myorelax.pk.events import DoseRecord, Schedule
from myorelax.pk.models import PkModel
from myorelax.pk.simulate import accumulation_ratio, simulate, simulate_regimen
from myorelax.pk.solver import CENTRAL, DEPOT, Structure

CL, V = 5.0, 50.0  # k = 0.1 /h, half-life 6.9 h
K = CL / V


def _model(absorption: str, ka: float = 1.0) -> PkModel:
    typical = (("cl", CL), ("ka", ka), ("v", V)) if absorption == "first_order" else (
        ("cl", CL), ("v", V))  # fmt: skip
    return PkModel(
        drug="x",
        analyte="x",
        metabolite=None,
        structure=Structure(1, absorption),  # type: ignore[arg-type]
        typical=typical,
    )


def _ratio(model: PkModel, cmt: int, offsets: list[float], period: float) -> float:
    """Doses at `offsets` (h) within each `period`, for 40 periods; the ratio of the last."""
    n = 40
    records = tuple(DoseRecord(o, 100.0, cmt, ii_h=period, addl=n - 1) for o in offsets)
    schedule = Schedule(records, "08:00", period, "test")
    grid = np.linspace(0.0, n * period, round(n * period / 0.02) + 1)
    prof = simulate(model, schedule.doses, grid)
    window = ((n - 1) * period, n * period)
    return float(accumulation_ratio(prof, schedule, period, window)["x"][0])


@pytest.mark.parametrize("tau", [6.0, 8.0, 12.0, 24.0])
def test_one_compartment_bolus_equal_intervals(tau: float) -> None:
    """IV bolus, one compartment, every tau hours: R = 1 / (1 - exp(-k tau)) exactly (the AUC
    over an interval at steady state is Dose/CL; after one dose it is Dose/CL (1 - exp(-k tau)))."""
    got = _ratio(_model("iv_bolus"), CENTRAL, [0.0], tau)
    assert got == pytest.approx(1 / (1 - math.exp(-K * tau)), rel=1e-4)


@pytest.mark.parametrize("tau", [8.0, 12.0])
def test_one_compartment_oral_equal_intervals(tau: float) -> None:
    """Oral, one compartment, first-order absorption: AUC(0-tau) after one dose is
    F Dose/CL [1 - (ka exp(-k tau) - k exp(-ka tau)) / (ka - k)], so R is its inverse fraction;
    with fast absorption it is 1 / (1 - exp(-k tau)), the textbook accumulation factor. The old
    last-day / first-day ratio gives about 1 for q24h-like periods of several doses and fails."""
    ka = 1.2
    got = _ratio(_model("first_order", ka), DEPOT, [0.0], tau)
    frac = 1 - (ka * math.exp(-K * tau) - K * math.exp(-ka * tau)) / (ka - K)
    assert got == pytest.approx(1 / frac, rel=1e-3)
    fast = _ratio(_model("first_order", 200.0), DEPOT, [0.0], tau)
    assert fast == pytest.approx(1 / (1 - math.exp(-K * tau)), rel=5e-3)


def test_equal_doses_within_a_day_give_the_interval_ratio() -> None:
    """q8h written as three doses in a 24 h period is still R = 1/(1 - exp(-k 8)), not the
    day-over-day ratio (which would be about 1 here: a 6.9 h half-life is at steady state in a
    day). A bolus inside the window is a jump the grid's trapezoid spreads over one 0.02 h step:
    hence 1.5e-3."""
    got = _ratio(_model("iv_bolus"), CENTRAL, [0.0, 8.0, 16.0], 24.0)
    assert got == pytest.approx(1 / (1 - math.exp(-K * 8)), rel=1.5e-3)


def test_uneven_intervals_sum_each_dose_over_its_own_interval() -> None:
    """Doses at 0, 6 and 12 h every 24 h (intervals 6, 6, 12): the day's AUC at steady state
    (3 Dose/CL) over the sum of each single dose's AUC over its own interval (tolerance: the
    boluses inside the window, as above)."""
    got = _ratio(_model("iv_bolus"), CENTRAL, [0.0, 6.0, 12.0], 24.0)
    expected = 3 / sum(1 - math.exp(-K * t) for t in (6.0, 6.0, 12.0))
    assert got == pytest.approx(expected, rel=1.5e-3)
    # the first dose's interval alone (6 h) would give another number: the whole day counts
    assert abs(got - 1 / (1 - math.exp(-K * 6))) > 0.1


def test_cyclobenzaprine_tid_is_about_four_fold(kb: KnowledgeBase) -> None:
    """Cyclobenzaprine tablets 10 mg tid (label: effective half-life 18 h, steady state about
    four-fold; Winchell 2002 about 4): the ratio is about 4-5, well above the 2.4 the day-over-day
    ratio gave, and equals the last interval's AUC over the first dose's on the same curve."""
    r = simulate_regimen(
        parse_sig("cyclobenzaprine 10 mg tablet q8h"), patient_from_data({}), kb, days=20
    )
    a = r.analytes[0]
    assert a.accumulation_ratio is not None
    assert 3.8 <= a.accumulation_ratio <= 5.5
    t, c = r.times_h, a.concentrations[None, :]
    per_interval = metrics.auc(t, c, 464.0, 472.0) / metrics.auc(t, c, 0.0, 8.0)
    assert a.accumulation_ratio == pytest.approx(float(per_interval[0]), rel=5e-3)
    day_over_day = metrics.auc(t, c, 456.0, 480.0) / metrics.auc(t, c, 0.0, 24.0)
    assert a.accumulation_ratio > 1.5 * float(day_over_day[0])


def test_short_simulation_says_it_is_not_at_steady_state(kb: KnowledgeBase) -> None:
    """Two days of cyclobenzaprine (time to 90% of steady state ~5 days): the last-cycle metrics
    are not steady-state values, and a note says so."""
    r = simulate_regimen(parse_sig("cyclobenzaprine 10 mg tid"), patient_from_data({}), kb, days=2)
    assert any("shorter than the time to 90% of steady state" in n for n in r.notes)
