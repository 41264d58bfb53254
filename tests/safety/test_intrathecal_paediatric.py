"""Intrathecal baclofen and paediatric weight-based dosing: limits read from the knowledge base.

The screening-bolus maximum for all ages, the labelled intrathecal maintenance range (no label
maximum), relative titration rises, route-aware minimum ages and per-kg paediatric dosing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import InputError
from myorelax.knowledge.terminology import default_terminology
from myorelax.plans.pump import plan_pump
from myorelax.safety.alert import Alert
from myorelax.safety.checks.dose import weight_not_checked
from myorelax.safety.context import CheckContext
from myorelax.safety.engine import evaluate_regimen

KB = load_knowledge()
TODAY = date(2026, 11, 21)


def _patient(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"age_years": 40, "sex": "male", "crcl_ml_min": 90, "allergies": []}
    data.update(extra)
    return data


def _alerts(orders: list[str], **extra: Any) -> list[Alert]:
    patient = patient_from_data(_patient(**extra))
    regimen = regimen_from(orders, [], start=TODAY)
    return list(evaluate_regimen(patient, regimen, kb=KB, today=TODAY).alerts)


def _codes(alerts: list[Alert]) -> set[str]:
    return {a.code for a in alerts}


def test_screening_bolus_above_100_mcg_alerts_in_an_adult() -> None:
    alerts = _alerts(["baclofen 150 mcg intrathecal once"])
    hit = [a for a in alerts if a.code == "MRX-DOSE-001"]
    assert hit and "100 mcg" in hit[0].detail
    assert not _alerts(["baclofen 100 mcg intrathecal once"])


def test_adult_intrathecal_above_the_labelled_range_says_range_not_maximum() -> None:
    hit = [a for a in _alerts(["baclofen 5000 mcg/day intrathecal"]) if a.code == "MRX-DOSE-002"]
    # Above the range most patients were kept in, not above a maximum (the label sets none):
    # moderate, one grade below a labelled maximum's.
    assert hit and hit[0].severity == "moderate"
    assert "maintenance range" in hit[0].summary and "800 mcg/day" not in hit[0].summary
    assert "sets no maximum" in hit[0].detail
    assert "MRX-DOSE-002" not in _codes(_alerts(["baclofen 600 mcg/day intrathecal"]))


def test_the_maintenance_range_follows_the_origin_of_the_spasticity() -> None:
    """Gablofen 2: most patients were kept on 300-800 mcg/day for spasticity of spinal origin and
    90-703 for cerebral origin. 750 mcg/day is within the first and above the second: the range
    follows the recorded condition; with none recorded the lower range applies and the alert says
    the cause is not recorded (it passed silently, judged on the spinal range)."""
    order = ["baclofen 750 mcg/day intrathecal"]
    assert "MRX-DOSE-002" not in _codes(_alerts(order, conditions=["multiple_sclerosis"]))
    assert "MRX-DOSE-002" not in _codes(_alerts(order, conditions=["spinal_cord_injury"]))
    cerebral = [
        a for a in _alerts(order, conditions=["cerebral_palsy"]) if a.code == "MRX-DOSE-002"
    ]
    assert cerebral and "703 mcg/day" in cerebral[0].summary
    assert "not recorded" not in cerebral[0].detail
    unknown = [a for a in _alerts(order) if a.code == "MRX-DOSE-002"]
    assert unknown and "703 mcg/day" in unknown[0].summary
    assert "not recorded" in unknown[0].detail
    # Both causes recorded: the lower range, as the cause of this pump cannot be told.
    both = _alerts(order, conditions=["spinal_cord_injury", "stroke"])
    assert "MRX-DOSE-002" in _codes(both)


def test_a_child_is_judged_on_the_paediatric_range() -> None:
    assert "MRX-DOSE-002" not in _codes(
        _alerts(["baclofen 1000 mcg/day intrathecal"], age_years=10, weight_kg=30)
    )
    hit = _alerts(["baclofen 5000 mcg/day intrathecal"], age_years=10, weight_kg=30)
    assert any(a.code == "MRX-DOSE-002" and "1199" in a.summary for a in hit)


def test_pump_and_check_read_the_same_range_and_rise() -> None:
    plan = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=500,
        dose_mcg_day=400,
        last_refill=TODAY,
        changes=[(date(2026, 11, 25), 1200)],
    )
    assert any("maintenance range for adults 300-800" in w for w in plan.warnings)
    # The pump does not know the cause: both labelled steps are named, the smaller one decides.
    assert any("15% (cerebral palsy" in w and "30% (spinal cord injury" in w and "200%" in w
               for w in plan.warnings)  # fmt: skip
    quiet = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=500,
        dose_mcg_day=400,
        last_refill=TODAY,
        changes=[(date(2026, 11, 25), 460)],
    )
    assert not quiet.warnings
    with pytest.raises(InputError) as exc:  # two doses on one date: one would vanish
        plan_pump(kb=KB, reservoir_ml=20, concentration_mcg_ml=500, dose_mcg_day=400,
                  last_refill=TODAY, changes=[(date(2026, 11, 25), 450), (date(2026, 11, 25), 580)])  # fmt: skip
    assert exc.value.field == "change"


def test_intrathecal_rise_above_the_labelled_percentage_alerts() -> None:
    """Gablofen 2: after the first day, raise by 10-30% a day for spasticity of spinal origin and
    5-15% for cerebral origin. The step follows the recorded condition; with none recorded the
    smaller step applies and the alert says so (a +20% raise for cerebral palsy passed with the
    spinal 30%)."""
    spinal = {"medications": ["baclofen 300 mcg/day intrathecal"],
              "conditions": ["spinal_cord_injury"]}  # fmt: skip
    hit = [
        a for a in _alerts(["baclofen 500 mcg/day intrathecal"], **spinal)
        if a.code == "MRX-DOSE-004"
    ]  # fmt: skip
    assert hit and "30%" in hit[0].summary
    assert "MRX-DOSE-004" not in _codes(_alerts(["baclofen 360 mcg/day intrathecal"], **spinal))
    cerebral = {**spinal, "conditions": ["cerebral_palsy"]}
    assert "MRX-DOSE-004" in _codes(_alerts(["baclofen 360 mcg/day intrathecal"], **cerebral))
    unknown = {**spinal, "conditions": []}
    (alert,) = [
        a for a in _alerts(["baclofen 360 mcg/day intrathecal"], **unknown)
        if a.code == "MRX-DOSE-004"
    ]  # fmt: skip
    assert "15%" in alert.summary and "not recorded" in alert.detail


def test_minimum_age_follows_the_route() -> None:
    assert "MRX-POP-001" not in _codes(
        _alerts(["baclofen 200 mcg/day intrathecal"], age_years=10, weight_kg=30)
    )
    young = [
        a
        for a in _alerts(["baclofen 100 mcg/day intrathecal"], age_years=3, weight_kg=14)
        if a.code == "MRX-POP-001"
    ]
    assert young and "4 years" in young[0].summary
    oral = [
        a
        for a in _alerts(["baclofen 5 mg tid"], age_years=10, weight_kg=30)
        if a.code == "MRX-POP-001"
    ]
    assert oral and "12 years" in oral[0].summary


def test_dantrolene_child_start_is_per_kg() -> None:
    hit = [
        a
        for a in _alerts(["dantrolene 25 mg daily"], age_years=6, weight_kg=10)
        if a.code == "MRX-DOSE-004"
    ]
    assert hit and "5 mg" in hit[0].summary and "0.5 mg/kg" in hit[0].detail
    hit = [
        a
        for a in _alerts(["dantrolene 50 mg qid"], age_years=5, weight_kg=20)
        if a.code == "MRX-DOSE-004"
    ]
    assert hit and "10 mg" in hit[0].summary and "25 mg" not in hit[0].summary
    assert "MRX-DOSE-004" not in _codes(
        _alerts(["dantrolene 25 mg daily"], age_years=10, weight_kg=50)
    )


def test_dantrolene_child_without_weight_is_not_checked_not_silent() -> None:
    patient = patient_from_data(_patient(age_years=6))
    ctx = CheckContext(
        kb=KB,
        terminology=default_terminology(),
        patient=patient,
        regimen=regimen_from(["dantrolene 25 mg daily"], [], start=TODAY),
        today=TODAY,
    )
    items = weight_not_checked(ctx)
    assert [i.reason for i in items] == ["missing_weight"]
    assert "dantrolene" in items[0].detail


def test_a_traumatic_brain_injury_is_spasticity_of_cerebral_origin() -> None:
    """The intrathecal labels treat severe spasticity of cerebral or spinal origin and name
    traumatic brain injury (section 1); its maintenance range is the cerebral one (90-703
    mcg/day), by name or by its SNOMED CT and ICD-10-CM codes."""
    for recorded in (["traumatic_brain_injury"], ["TBI"]):
        hit = [
            a
            for a in _alerts(["baclofen 750 mcg/day intrathecal"], conditions=recorded)
            if a.code == "MRX-DOSE-002"
        ]
        assert hit and "703 mcg/day" in hit[0].summary and "not recorded" not in hit[0].detail
