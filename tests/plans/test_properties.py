"""Properties of every plan: a taper never rises and ends at zero, a titration never rises and
never passes the labelled maxima, and every dose is made of tablets that exist (halves and
quarters only of scored tablets)."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.plans.model import Plan
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from myorelax.units import convert

KB = load_knowledge()
START = date(2026, 12, 1)

# (drug, per-dose choices in mg, doses a day)
TAPERS = {
    "baclofen": ([5, 10, 15, 20], [1, 2, 3, 4]),
    "tizanidine": ([2, 4, 6, 8, 10, 12], [1, 2, 3]),
    "carisoprodol": ([250, 350], [1, 2, 3, 4]),
    "diazepam": ([2, 5, 10], [1, 2, 3, 4]),
}


def _assert_tablets_exist(plan: Plan) -> None:
    drug = KB.drugs[plan.drug]
    products = {p.id: p for p in drug.products}
    for step in plan.steps:
        for dose in step.doses:
            total = 0.0
            for t in dose.tablets:
                product = products[t.product]
                strengths = [convert(s.value, s.unit, "mg") for s in product.strengths if s.value]
                assert t.strength_mg in strengths
                whole = abs(t.count - round(t.count)) < 1e-9
                if not whole:
                    assert product.scored, f"{t.product} is not scored but was split"
                    parts = product.score_parts or 2
                    assert abs(t.count * parts - round(t.count * parts)) < 1e-6
                total += t.count * t.strength_mg
            assert abs(total - dose.dose_mg) < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    drug=st.sampled_from(sorted(TAPERS)),
    data=st.data(),
    days=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
)
def test_taper_never_rises_and_ends_at_zero(
    drug: str, data: st.DataObject, days: int | None
) -> None:
    doses, freqs = TAPERS[drug]
    dose = data.draw(st.sampled_from(doses))
    n = data.draw(st.sampled_from(freqs))
    code = {1: "daily", 2: "bid", 3: "tid", 4: "qid"}[n]
    dosing = next(d for d in KB.drugs[drug].dosing if d.route == "oral")
    if dosing.max_daily and dose * n > convert(dosing.max_daily.upper, dosing.max_daily.unit, "mg"):
        return
    if drug == "diazepam" and days is None:
        days = 14
    plan = plan_taper(
        parse_sig(f"{drug} {dose} mg {code}"), patient_from_data({}), kb=KB, start=START, days=days
    )
    totals = [d.daily_total_mg for d in plan.days]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(totals))
    assert totals[0] < dose * n
    assert totals[-1] == 0
    assert plan.days[-1].date == plan.stop_date
    assert [d.date for d in plan.days] == sorted({d.date for d in plan.days})
    _assert_tablets_exist(plan)


TITRATIONS = {
    "baclofen": ([5, 10, 15, 20], [3, 4]),
    "tizanidine": ([2, 4, 6, 8, 12], [1, 2, 3]),
    "dantrolene": ([25, 50, 100], [1, 2, 3, 4]),
}


@settings(max_examples=60, deadline=None)
@given(
    drug=st.sampled_from(sorted(TITRATIONS)),
    data=st.data(),
    crcl=st.one_of(st.none(), st.floats(min_value=10, max_value=120)),
)
def test_titration_rises_within_the_labelled_maxima(
    drug: str, data: st.DataObject, crcl: float | None
) -> None:
    doses, freqs = TITRATIONS[drug]
    dose = data.draw(st.sampled_from(doses))
    n = data.draw(st.sampled_from(freqs))
    code = {1: "daily", 2: "bid", 3: "tid", 4: "qid"}[n]
    dosing = next(d for d in KB.drugs[drug].dosing if d.route == "oral")
    max_daily = convert(dosing.max_daily.upper, dosing.max_daily.unit, "mg")
    max_single = convert(dosing.max_single.upper, dosing.max_single.unit, "mg")
    if dose * n > max_daily:
        return
    patient = patient_from_data({"age_years": 50, **({"crcl_ml_min": crcl} if crcl else {})})
    plan = plan_titration(
        KB.drugs[drug], patient, kb=KB, start=START, target=parse_sig(f"{drug} {dose} mg {code}")
    )
    totals = [s.daily_total_mg for s in plan.steps]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(totals))
    assert all(t <= max_daily + 1e-9 for t in totals)
    assert all(d.dose_mg <= max_single + 1e-9 for s in plan.steps for d in s.doses)
    assert totals[-1] <= dose * n + 1e-9
    assert plan.steps[-1].end is None
    _assert_tablets_exist(plan)
