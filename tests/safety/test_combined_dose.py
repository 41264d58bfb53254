"""One drug written as several lines is judged by the lines together. A split dose is written as
two lines ('baclofen 10 mg every morning' and 'baclofen 20 mg at bedtime'), and so is a scheduled
dose with an as-needed extra: each line within the label, the day's total above it. The labels'
maxima are of the day's total (baclofen 80 mg a day, Ozobax 2.1; tizanidine at most three doses
in 24 hours, Zanaflex 2.1; cyclobenzaprine 30 mg a day, Flexeril 2). A line over the limit alone
keeps its own alert; the same line recorded twice (an EHR's duplicate) is counted once; lines by
different routes (intrathecal and oral baclofen) are not added, their limits are of their own
route."""

from __future__ import annotations

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.alert import Alert
from myorelax.safety.engine import evaluate_regimen

_PATIENT = {"age_years": 50, "egfr_ml_min": 90, "allergies": []}


def _alerts(orders: list[str], meds: list[str] | None = None) -> list[Alert]:
    patient = patient_from_data({**_PATIENT, "medications": meds or []})
    return list(evaluate_regimen(patient, regimen_from(orders)).alerts)


def _of(alerts: list[Alert], code: str) -> list[Alert]:
    return [a for a in alerts if a.code == code]


def test_two_orders_within_the_label_alone_above_it_together() -> None:
    daily = _of(_alerts(["baclofen 20 mg qid", "baclofen 10 mg qhs"]), "MRX-DOSE-002")
    assert len(daily) == 1
    assert "90 mg/day over 2 lines" in daily[0].summary
    assert "baclofen 20 mg qid" in daily[0].detail and "baclofen 10 mg qhs" in daily[0].detail
    assert "80 mg a day" in daily[0].recommendation


def test_a_split_dose_within_the_label_raises_nothing() -> None:
    alerts = _alerts(["baclofen 10 mg every morning", "baclofen 20 mg at bedtime"])
    assert not _of(alerts, "MRX-DOSE-002") and not _of(alerts, "MRX-DOSE-003")


def test_a_current_line_listed_twice_is_counted_once_and_said() -> None:
    """An EHR lists one prescription as its order and its statement: not a double dose, but if
    both were taken it would be, and that is said."""
    meds = ["baclofen 20 mg qid", "baclofen 20 mg four times daily"]
    patient = patient_from_data({**_PATIENT, "medications": meds})
    report = evaluate_regimen(patient, regimen_from([]))
    assert not _of(list(report.alerts), "MRX-DOSE-002")
    (twice,) = [n for n in report.not_checked if n.reason == "duplicate_line"]
    assert twice.item == "baclofen 20 mg four times daily" and "double" in twice.detail


def test_the_same_order_twice_is_two_orders() -> None:
    """Two orders are two orders: given both, the dose is double, and the sum is checked."""
    daily = _of(_alerts(["baclofen 20 mg qid", "baclofen 20 mg four times daily"]), "MRX-DOSE-002")
    assert len(daily) == 1 and "160 mg/day over 2 lines" in daily[0].summary


def test_a_line_over_the_limit_alone_keeps_its_own_alert_only() -> None:
    daily = _of(
        _alerts(["baclofen 20 mg q6h", "baclofen 10 mg qhs", "baclofen 30 mg qd"]), "MRX-DOSE-002"
    )
    # 80 + 10 + 30 = 120 mg: no line alone is over, so the total is said once.
    assert [a.summary for a in daily] == [
        "Baclofen 120 mg/day over 3 lines exceeds the labelled maximum of 80 mg/day"
    ]
    daily = _of(_alerts(["baclofen 20 mg 5 times a day", "baclofen 10 mg qhs"]), "MRX-DOSE-002")
    assert len(daily) == 1 and "lines" not in daily[0].summary


def test_as_needed_extra_doses_count_at_their_full_frequency() -> None:
    daily = _of(
        _alerts(["cyclobenzaprine 10 mg tid", "cyclobenzaprine 5 mg q8h prn spasm"]),
        "MRX-DOSE-002",
    )
    assert len(daily) == 1 and "45 mg/day" in daily[0].summary
    assert "as needed, counted in full" in daily[0].detail


def test_doses_a_day_are_counted_over_the_lines() -> None:
    often = _of(_alerts(["tizanidine 4 mg tid", "tizanidine 4 mg qhs prn"]), "MRX-DOSE-003")
    assert len(often) == 1 and "4 doses a day over 2 lines" in often[0].summary
    assert not _of(_alerts(["tizanidine 4 mg bid", "tizanidine 4 mg qhs"]), "MRX-DOSE-003")


def test_a_review_of_current_therapy_judges_every_line() -> None:
    """With no orders, the current lines are the subjects: a second line of a drug was kept out of
    the dose checks (its 30 mg single dose passed unseen) and the total never added."""
    alerts = _alerts([], meds=["baclofen 20 mg tid", "baclofen 30 mg qhs"])
    assert [a.summary for a in _of(alerts, "MRX-DOSE-001")] == [
        "Baclofen 30 mg per dose is above the labelled maximum of 20 mg"
    ]
    assert "90 mg/day over 2 lines" in _of(alerts, "MRX-DOSE-002")[0].summary


def test_lines_by_different_routes_are_not_added() -> None:
    alerts = _alerts(["baclofen 20 mg qid", "baclofen 300 mcg/day intrathecal"])
    assert not [
        a for a in alerts if a.code in ("MRX-DOSE-002", "MRX-DOSE-003") and "lines" in a.summary
    ]


def test_continuing_every_line_of_a_split_dose_is_no_step_and_no_cut() -> None:
    """The second line was compared with the first current line (10 mg in the morning against
    20 mg at bedtime) and read as a 10 mg step up."""
    lines = ["baclofen 10 mg every morning", "baclofen 20 mg at bedtime"]
    alerts = _alerts(lines, meds=lines)
    assert not [a for a in alerts if a.code in ("MRX-DOSE-004", "MRX-WD-001")]


def test_a_cut_is_judged_on_the_total_of_every_current_line() -> None:
    meds = ["baclofen 20 mg tid", "baclofen 20 mg qhs"]  # 80 mg a day
    cut = _of(_alerts(["baclofen 10 mg qhs"], meds=meds), "MRX-WD-001")
    assert len(cut) == 1 and "cut from 80 to 10 mg/day" in cut[0].summary
    # Keeping the 60 mg of the three daily doses is no sharp cut of the 80 mg a day.
    assert not _of(_alerts(["baclofen 20 mg tid"], meds=meds), "MRX-WD-001")


def test_a_new_line_beside_a_current_one_is_a_step_from_it() -> None:
    step = _of(
        _alerts(
            ["baclofen 10 mg every morning", "baclofen 20 mg at bedtime"],
            meds=["baclofen 10 mg every morning"],
        ),
        "MRX-DOSE-004",
    )
    assert len(step) == 1 and "raised by 10 mg per dose" in step[0].summary
