"""Intrathecal baclofen pump dates against hand-computed cases."""

from __future__ import annotations

from datetime import date

import pytest

from myorelax import load_knowledge
from myorelax.errors import InputError
from myorelax.plans.pump import plan_pump

KB = load_knowledge()


def test_issue_example_by_hand() -> None:
    # 20 mL x 2000 mcg/mL = 40,000 mcg; 400 mcg/day = 0.2 mL/day. Alarm at 2 mL left: 18 mL /
    # 0.2 = 90 days -> 2027-01-30; refill by the day before, 2027-01-29; empty after 100 days.
    p = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=2000,
        dose_mcg_day=400,
        last_refill=date(2026, 11, 1),
    )
    assert p.days_to_alarm == pytest.approx(90)
    assert p.days_to_empty == pytest.approx(100)
    assert p.alarm_date == date(2027, 1, 30)
    assert p.refill_by == date(2027, 1, 29)
    assert p.empty_date == date(2027, 2, 9)
    assert [r.date for r in p.reminders] == [
        date(2027, 1, 15),
        date(2027, 1, 22),
        date(2027, 1, 26),
        date(2027, 1, 28),
    ]
    assert p.alarm_ml_assumed
    assert any("assumed" in n for n in p.notes)
    assert "high fever" in p.withdrawal.serious_signs
    assert any("itching" in s for s in p.withdrawal.signs)


def test_dose_change_recomputes_the_dates() -> None:
    # 30 days at 0.2 mL/day = 6 mL; 12 mL more to the alarm at 500/2000 = 0.25 mL/day = 48 days.
    p = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=2000,
        dose_mcg_day=400,
        last_refill=date(2026, 11, 1),
        changes=[(date(2026, 12, 1), 500)],
    )
    assert p.days_to_alarm == pytest.approx(78)
    assert p.alarm_date == date(2027, 1, 18)
    assert p.empty_date == date(2027, 1, 26)  # 6 + 14 / 0.25 = 62 -> day 86


def test_fractional_days_round_to_the_safe_side() -> None:
    # 40 mL x 500 mcg/mL, 300 mcg/day = 0.6 mL/day; alarm 3 mL: 37 / 0.6 = 61.67 days.
    p = plan_pump(
        kb=KB,
        reservoir_ml=40,
        concentration_mcg_ml=500,
        dose_mcg_day=300,
        last_refill=date(2026, 1, 1),
        alarm_ml=3,
    )
    assert p.days_to_alarm == pytest.approx(61.667, abs=1e-3)
    assert p.refill_by == date(2026, 3, 3)  # day 61: the last whole day before the alarm
    assert p.alarm_date == date(2026, 3, 3)
    assert not p.alarm_ml_assumed


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"concentration_mcg_ml": 0}, "concentration_mcg_ml"),
        ({"reservoir_ml": 0}, "reservoir_ml"),
        ({"dose_mcg_day": -5}, "dose_mcg_day"),
        ({"alarm_ml": 25}, "alarm_ml"),
        ({"changes": [(date(2026, 10, 1), 300)]}, "change"),
    ],
)
def test_bad_pump_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "reservoir_ml": 20,
        "concentration_mcg_ml": 2000,
        "dose_mcg_day": 400,
        "last_refill": date(2026, 11, 1),
    }
    base.update(kwargs)
    with pytest.raises(InputError) as err:
        plan_pump(kb=KB, **base)  # type: ignore[arg-type]
    assert err.value.field == field


def test_unusual_concentration_and_dose_are_warned() -> None:
    p = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=1500,
        dose_mcg_day=1500,
        last_refill=date(2026, 11, 1),
    )
    assert len(p.warnings) == 2
