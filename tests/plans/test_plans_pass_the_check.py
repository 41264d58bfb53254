"""A titration plan, written back as the one-line order a prescriber would write ('baclofen 5 mg
tid x 3 days then 10 mg tid x 3 days then ...'), passes the safety check's dose rules: the plan
and the check read the same label the same way (start, steps, maxima, doses a day)."""

from __future__ import annotations

from datetime import date

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import InputError
from myorelax.plans.titration import plan_titration
from myorelax.safety.engine import evaluate_regimen

KB = load_knowledge()
START = date(2026, 12, 7)
ADULT = patient_from_data(
    {"age_years": 40, "sex": "male", "weight_kg": 80, "egfr_ml_min": 90, "allergies": []}
)
_FREQUENCY = {1: "daily", 2: "bid", 3: "tid", 4: "qid"}


def _as_one_line(drug_id: str) -> str | None:
    """The plan's steps as one order text; None where a step's doses differ within the day (a
    bedtime-first step the one-line text cannot say) or the label gives no titration."""
    try:
        plan = plan_titration(KB.drugs[drug_id], ADULT, kb=KB, start=START)
    except InputError:
        return None
    parts = []
    for step in plan.steps:
        amounts = {d.dose_mg for d in step.doses}
        if len(amounts) != 1 or len(step.doses) not in _FREQUENCY:
            return None
        days = f" x {step.days} days" if step.days else ""
        parts.append(f"{amounts.pop():g} mg {_FREQUENCY[len(step.doses)]}{days}")
    return f"{drug_id} " + " then ".join(parts)


LINES = {d: text for d in sorted(KB.drugs) if (text := _as_one_line(d)) is not None}


def test_the_labels_with_a_stepped_titration_give_one_line_plans() -> None:
    # Cyclobenzaprine's label gives no interval between steps (a plan needs one set); the
    # others are taken at their usual dose.
    assert sorted(LINES) == ["baclofen", "dantrolene", "tizanidine"]


@pytest.mark.parametrize("drug_id", sorted(LINES))
def test_a_titration_plan_written_as_one_order_passes_the_dose_rules(drug_id: str) -> None:
    text = LINES[drug_id]
    regimen = regimen_from([text], start=START)
    report = evaluate_regimen(ADULT, regimen, kb=KB, today=START)
    dose = [f"{a.code}: {a.summary}" for a in report.alerts if a.code.startswith("MRX-DOSE")]
    assert not dose, (text, dose)
    assert len(regimen.orders) >= 2  # read as its steps, not refused or summed
