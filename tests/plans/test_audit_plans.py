"""Audit of the titration and taper plans: kidney knowledge the plan cannot carry out, exposure
restrictions without a target, open-ended maintenance, taper steps that never grow."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from icalendar import Calendar

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.errors import InputError
from myorelax.plans.calendar import plan_calendar
from myorelax.plans.model import Plan
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration

KB = load_knowledge()
START = date(2027, 1, 4)


def _titrate(drug: str, patient: dict[str, object], target: str | None = None) -> Plan:
    return plan_titration(
        KB.drugs[drug],
        patient_from_data(patient),
        kb=KB,
        start=START,
        target=None if target is None else parse_sig(target),
    )


def _cuts(plan: Plan, top: float) -> list[float]:
    totals = [top, *(s.daily_total_mg for s in plan.steps)]
    return [a - b for a, b in itertools.pairwise(totals)]


def test_baclofen_on_dialysis_is_refused_not_climbed_to_80() -> None:
    """PMID 28899601 (baclofen.yaml renal, dialysis: major, no dose): avoid baclofen on
    dialysis. The knowledge gives no dialysis dose, so no titration can be scheduled."""
    with pytest.raises(InputError) as exc:
        _titrate("baclofen", {"age_years": 45, "dialysis": True})
    assert exc.value.field == "dialysis"
    assert "Avoid baclofen in patients on dialysis" in str(exc.value)
    assert "PMID 28899601" in str(exc.value)


@pytest.mark.parametrize(
    "patient",
    [
        {"age_years": 45, "crcl_ml_min": 20},
        {"age_years": 45, "crcl_ml_min": 90, "medications": ["ethinyl estradiol 0.03 mg daily"]},
    ],
    ids=["crcl-20", "cyp1a2-inhibitor"],
)
def test_tizanidine_without_target_raises_the_single_dose_before_the_frequency(
    patient: dict[str, object],
) -> None:
    """Zanaflex 2.1/2.3/8.6 (tizanidine.yaml): with CrCl < 25 or a CYP1A2 inhibitor, start
    2 mg once a day and raise the individual dose before the frequency, with or without a
    target."""
    plan = _titrate("tizanidine", patient)
    assert len(plan.steps[0].doses) == 1 and plan.steps[0].daily_total_mg == 2
    counts = [len(s.doses) for s in plan.steps]
    single = [max(d.dose_mg for d in s.doses) for s in plan.steps]
    first_more = counts.index(2)
    assert all(c == 1 for c in counts[:first_more])
    assert single[first_more - 1] == 12  # the labelled maximum single dose before a 2nd dose


def test_baclofen_crcl_20_keeps_the_avoid_advice_as_a_major_alert() -> None:
    """PMID 28899601: avoid baclofen below eGFR 30 (no dose fraction). Scaling the dose to 0.33
    (PMID 24414993) does not carry it out, so it stays a visible major alert and the kidney
    dose alert is not hidden as 'already applied'."""
    plan = _titrate("baclofen", {"age_years": 45, "crcl_ml_min": 20})
    avoid = [a for a in plan.alerts if "Avoid baclofen in severely reduced" in a.summary]
    assert avoid and avoid[0].severity == "major" and avoid[0].code == "MRX-RENAL-001"
    assert not any("already applies" in n for n in plan.notes)
    assert plan.steps[-1].daily_total_mg == 25


def test_titration_maintenance_is_open_ended_in_json_and_calendar() -> None:
    """OZOBAX 5.1: abrupt withdrawal of baclofen causes hallucinations and seizures, so the
    'continue at this dose' step must not stop its reminders after a few days."""
    plan = _titrate("baclofen", {"age_years": 45, "crcl_ml_min": 90}, "baclofen 20 mg tid")
    assert plan.end is None and plan.steps[-1].end is None
    cal = Calendar.from_ical(plan_calendar(plan, tz="Europe/Berlin"))
    last = plan.steps[-1].start
    for event in cal.walk("VEVENT"):
        rule = event["RRULE"]
        if event.decoded("DTSTART").date() == last:
            assert "COUNT" not in rule and "UNTIL" not in rule
            assert "no end date" in str(event["DESCRIPTION"])
        else:
            assert rule["COUNT"] == [3]
    day = Calendar.from_ical(plan_calendar(plan, mode="day"))
    open_ended = [e for e in day.walk("VEVENT") if "RRULE" in e]
    assert len(open_ended) == 1 and "COUNT" not in open_ended[0]["RRULE"]


def test_baclofen_taper_cuts_never_grow_nor_cut_sharply() -> None:
    """PMS-Baclofen (Dosage and Administration): reduce over about 1-2 weeks. No cut larger
    than an earlier one, and no level below half the one before (MRX-WD-001's sharp cut, which
    the plan's own check would warn of: 20 -> 5 mg/day did); the last step stops."""
    plan = plan_taper(
        parse_sig("baclofen 20 mg qid"), patient_from_data({"age_years": 45}), kb=KB, start=START
    )
    cuts = _cuts(plan, 80)
    assert all(b <= a for a, b in itertools.pairwise(cuts)), cuts
    totals = [s.daily_total_mg for s in plan.steps]
    assert totals == [60, 45, 30, 15, 0]
    assert all(b >= a / 2 for a, b in itertools.pairwise([80, *totals[:-1]])), totals
    assert not [a for a in plan.alerts if a.code == "MRX-WD-001"]


def test_carisoprodol_taper_uses_the_250_mg_tablets_for_smaller_steps() -> None:
    """Soma 250 mg and 350 mg tablets (carisoprodol.yaml products); meprobamate label: reduce
    over 1-2 weeks. 250 mg tablets make the largest cut 300 mg/day instead of 350 mg/day."""
    plan = plan_taper(
        parse_sig("carisoprodol 350 mg tid"),
        patient_from_data({"age_years": 45}),
        kb=KB,
        start=START,
    )
    cuts = _cuts(plan, 1050)
    assert max(cuts) == 300
    assert all(b <= a for a, b in itertools.pairwise(cuts)), cuts
    assert any(t.strength_mg == 250 for s in plan.steps for d in s.doses for t in d.tablets)
