"""Golden plans per drug and rule branch (tests/plans/golden_plans.yaml), each with its source."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.errors import InputError
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration

GOLDEN = yaml.safe_load((Path(__file__).parent / "golden_plans.yaml").read_text())
KB = load_knowledge()


def _patient(data: dict[str, Any]) -> Any:
    return patient_from_data(data)


@pytest.mark.parametrize("case", GOLDEN["tapers"], ids=lambda c: c["name"])
def test_golden_taper(case: dict[str, Any]) -> None:
    assert case["source"] in KB.sources
    plan = plan_taper(
        parse_sig(case["sig"]),
        _patient(case["patient"]),
        kb=KB,
        start=case["start"],
        days=case.get("days"),
    )
    assert [s.daily_total_mg for s in plan.steps] == case["daily_mg"]
    if "days_held" in case:
        assert [s.days for s in plan.steps] == case["days_held"]
    assert plan.stop_date == case["stop_date"]
    assert len(plan.warnings) == case["warnings"], plan.warnings
    if "taper_needed" in case:
        assert plan.taper_needed is case["taper_needed"]
    cited = {c.id for c in plan.rule.citations}
    assert case["source"] in cited, cited
    assert plan.days[-1].daily_total_mg == 0
    assert plan.days[-1].date == plan.stop_date


@pytest.mark.parametrize("case", GOLDEN["titrations"], ids=lambda c: c["name"])
def test_golden_titration(case: dict[str, Any]) -> None:
    plan = plan_titration(
        KB.drugs[case["drug"]],
        _patient(case["patient"]),
        kb=KB,
        start=case["start"],
        target=parse_sig(case["target"]),
    )
    assert [s.daily_total_mg for s in plan.steps] == case["daily_mg"]
    assert plan.steps[-1].start == case["reached"]
    assert plan.steps[-1].end is None
    assert len(plan.warnings) == case.get("warnings", 0), plan.warnings
    cited = {c.id for c in plan.rule.citations}
    assert case["source"] in cited, cited


def test_contraindicated_interaction_refuses_the_titration() -> None:
    # Zanaflex 4: ciprofloxacin with tizanidine is contraindicated: no plan, and it says why.
    patient = patient_from_data({"age_years": 50, "medications": ["ciprofloxacin 500 mg bid"]})
    with pytest.raises(InputError, match=r"ciprofloxacin.*contraindicated") as err:
        plan_titration(
            KB.drugs["tizanidine"],
            patient,
            kb=KB,
            start=date(2026, 12, 1),
            target=parse_sig("tizanidine 4 mg tid"),
        )
    assert err.value.field == "regimen"


def test_drug_without_titration_says_so() -> None:
    with pytest.raises(InputError, match="describes no dose titration") as err:
        plan_titration(
            KB.drugs["carisoprodol"], patient_from_data({}), kb=KB, start=date(2026, 12, 1)
        )
    assert err.value.field == "drug"


def test_cyclobenzaprine_needs_an_interval_from_the_user() -> None:
    target = parse_sig("cyclobenzaprine 10 mg tid")
    with pytest.raises(InputError) as err:
        plan_titration(
            KB.drugs["cyclobenzaprine"],
            patient_from_data({}),
            kb=KB,
            start=date(2026, 12, 1),
            target=target,
        )
    assert err.value.field == "step_days"
    plan = plan_titration(
        KB.drugs["cyclobenzaprine"],
        patient_from_data({}),
        kb=KB,
        start=date(2026, 12, 1),
        target=target,
        step_days=3,
    )
    assert [s.daily_total_mg for s in plan.steps] == [15, 30]


@pytest.mark.parametrize(
    ("sig", "field", "pattern"),
    [
        ("baclofen 30 mg qid", "sig", "above the labelled maximum single dose"),
        ("tizanidine 12 mg qid", "sig", "above the labelled maximum"),
        ("baclofen 20 mg q8h prn", "sig", "regular schedule"),
        ("baclofen 20 mg q2h", "sig", "cannot be planned"),
        ("baclofen 7 mg tid", "dose", "cannot all be made"),
    ],
)
def test_bad_taper_input_names_the_field(sig: str, field: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as err:
        plan_taper(parse_sig(sig), patient_from_data({}), kb=KB, start=date(2026, 12, 1))
    assert err.value.field == field


def test_taper_without_a_sourced_period_requires_days() -> None:
    with pytest.raises(InputError, match="no taper period") as err:
        plan_taper(
            parse_sig("diazepam 5 mg tid"), patient_from_data({}), kb=KB, start=date(2026, 12, 1)
        )
    assert err.value.field == "days"


def test_titration_target_above_maximum_is_refused() -> None:
    with pytest.raises(InputError, match="above the labelled maximum") as err:
        plan_titration(
            KB.drugs["baclofen"],
            patient_from_data({}),
            kb=KB,
            start=date(2026, 12, 1),
            target=parse_sig("baclofen 25 mg qid"),
        )
    assert err.value.field == "target"


def test_children_are_not_planned() -> None:
    with pytest.raises(InputError) as err:
        plan_titration(
            KB.drugs["baclofen"],
            patient_from_data({"age_years": 8}),
            kb=KB,
            start=date(2026, 12, 1),
        )
    assert err.value.field == "age"


def test_carisoprodol_derived_period_is_said_plainly() -> None:
    plan = plan_taper(
        parse_sig("carisoprodol 350 mg qid"),
        patient_from_data({}),
        kb=KB,
        start=date(2026, 12, 1),
        used_weeks=1,
    )
    text = " ".join(plan.notes)
    assert "meprobamate" in text
    assert "shorter than the 3 weeks" in text
    assert "psychosis" in plan.withdrawal.serious_signs


def test_oral_baclofen_taper_leaves_out_intrathecal_signs() -> None:
    plan = plan_taper(
        parse_sig("baclofen 10 mg tid"), patient_from_data({}), kb=KB, start=date(2026, 12, 1)
    )
    assert plan.withdrawal.signs
    assert not any("intrathecal" in s for s in plan.withdrawal.signs)
    assert "seizures" in plan.withdrawal.serious_signs
