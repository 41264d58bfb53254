"""A dose that changes over time written on one line, steps joined by 'then', as prescribers
write titrations ('baclofen 5 mg tid x 3 days then 10 mg tid', Ozobax 2.1: 5 mg tid, raised by 5
mg a dose every 3 days). Each step is its own order starting when the one before ends: each is
judged alone and as a change from the step before, never added to it. The line was refused, and
the way it said to write it (each step as its own order) was then read as two lines taken
together (six doses a day, a false alert)."""

from __future__ import annotations

from datetime import date

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import InputError
from myorelax.safety.engine import evaluate_regimen

KB = load_knowledge()
TODAY = date(2026, 12, 7)


def _codes(order: str, meds: tuple[str, ...] = ()) -> list[str]:
    patient = patient_from_data(
        {"age_years": 40, "egfr_ml_min": 90, "allergies": [], "medications": list(meds)}
    )
    regimen = regimen_from([order], [], start=TODAY)
    report = evaluate_regimen(patient, regimen, kb=KB, today=TODAY)
    return sorted(a.code for a in report.alerts if a.code != "MRX-HEP-002")


def test_each_step_is_an_order_starting_when_the_one_before_ends() -> None:
    text = "tizanidine 2 mg qhs x 3 days, then increase to 2 mg bid x 3 days then 4 mg tid"
    orders = regimen_from([text], [], start=TODAY).orders
    assert [(o.dose.value if o.dose else None, o.start, o.duration_days) for o in orders] == [
        (2.0, date(2026, 12, 7), 3.0),
        (2.0, date(2026, 12, 10), 3.0),
        (4.0, date(2026, 12, 13), None),
    ]


@pytest.mark.parametrize(
    "order",
    [
        "baclofen 5 mg TID x3d then 10 mg TID",
        "tizanidine 2 mg qhs x 3 days, then increase to 2 mg bid x 3 days then 4 mg tid",
        "methocarbamol 1500 mg PO QID x 48-72 hours then 1000 mg QID",  # Robaxin: then 4 g/day
    ],
)
def test_a_labelled_titration_on_one_line_raises_nothing(order: str) -> None:
    assert _codes(order) == []


def test_a_step_larger_than_labelled_alerts_against_the_step_before() -> None:
    # 5 mg to 20 mg a dose: 15 mg in one step, the label raises by 5 mg.
    assert _codes("baclofen 5 mg TID x3d then 20 mg TID") == ["MRX-DOSE-004"]


def test_a_later_step_above_the_label_alerts_alone() -> None:
    codes = _codes("baclofen 20 mg qid x 3 days then 30 mg qid")
    assert {"MRX-DOSE-001", "MRX-DOSE-002"} <= set(codes)


def test_the_first_step_is_judged_against_the_current_medication() -> None:
    assert _codes("baclofen 10 mg TID x3d then 15 mg TID", ("baclofen 5 mg tid",)) == []


def test_two_lines_without_dates_are_still_taken_together() -> None:
    patient = patient_from_data({"age_years": 40, "egfr_ml_min": 90, "allergies": []})
    regimen = regimen_from(["baclofen 5 mg tid for 3 days", "baclofen 10 mg tid"], start=TODAY)
    codes = {a.code for a in evaluate_regimen(patient, regimen, kb=KB, today=TODAY).alerts}
    assert "MRX-DOSE-003" in codes  # both start today: six doses a day


def test_a_step_without_its_duration_is_refused() -> None:
    with pytest.raises(InputError, match="each but the last with its duration"):
        regimen_from(["baclofen 5 mg tid then 10 mg tid"], start=TODAY)


@pytest.mark.parametrize(
    ("order", "said"),
    [
        ("carisoprodol 350 mg qid x 14 days then 350 mg tid x 14 days", "28 days over its steps"),
        ("carisoprodol 350 mg qid x 21 days then 350 mg tid", "22 days or more over its steps"),
    ],
)
def test_the_course_of_all_steps_is_held_to_the_duration_limit(order: str, said: str) -> None:
    """Soma 2: use only for up to two or three weeks. Two steps of 14 days are a 28-day course
    (each alone passed); a step with no end after 21 days runs past three weeks."""
    patient = patient_from_data({"age_years": 40, "egfr_ml_min": 90, "allergies": []})
    report = evaluate_regimen(patient, regimen_from([order], start=TODAY), kb=KB, today=TODAY)
    (dur,) = [a for a in report.alerts if a.code == "MRX-DUR-001"]
    assert said in dur.summary


def test_a_course_within_the_limit_over_its_steps_raises_nothing() -> None:
    assert _codes("carisoprodol 350 mg qid x 7 days then 350 mg tid x 7 days") == []


def test_a_taper_ending_in_stop_is_its_steps() -> None:
    text = "baclofen 10 mg tid x 7 days then 5 mg tid x 7 days then stop"
    orders = regimen_from([text], start=TODAY).orders
    assert [(o.dose_mg, o.start, o.duration_days) for o in orders] == [
        (10, TODAY, 7),
        (5, date(2026, 12, 14), 7),
    ]
    (one,) = regimen_from(["baclofen 10 mg tid x 7 days then stop"], start=TODAY).orders
    assert one.duration_days == 7


def test_a_cut_is_judged_on_the_first_step_not_the_sum_of_the_steps() -> None:
    """From 60 mg a day, a taper whose first step is 15 mg a day is a sharp cut (the steps'
    sum, 22.5 mg, would hide how low the first day goes); one starting at 30 mg is not."""
    current = ("baclofen 20 mg tid",)
    assert "MRX-WD-001" in _codes(
        "baclofen 5 mg tid x 7 days then 2.5 mg tid x 7 days then stop", current
    )
    assert _codes("baclofen 10 mg tid x 7 days then 5 mg tid x 7 days then stop", current) == []
