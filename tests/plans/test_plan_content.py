"""What a plan and its handout say is chosen for the patient and the plan type (issue 21 item 5).

Each test is a finding from using the handouts as a clinician would:
- a baclofen taper for a 72-year-old woman carried goals written for children with cerebral
  palsy and an insomnia paragraph for a patient with no sleep problem recorded;
- an oral plan told the patient to call "the pump clinic";
- every taper step repeated the whole list of withdrawal signs;
- titration plans carried the withdrawal box of a taper;
- a titration at CrCl 45 said it "stops at the ceiling of 40 mg/day" and ended at 30, and its
  steps still carried the "halve the dose" alert the plan had already applied.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.knowledge.loader import validate_knowledge
from myorelax.plans.pump import plan_pump
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from myorelax.reports.printable import plan_html

KB = load_knowledge()
START = date(2026, 12, 7)


def _text(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _taper(patient: dict[str, Any], sig: str = "baclofen 20 mg tid") -> Any:
    return plan_taper(parse_sig(sig), patient_from_data(patient), kb=KB, start=START)


def test_older_adult_handout_has_no_childrens_goals_and_no_insomnia_paragraph() -> None:
    plan = _taper({"age_years": 72, "sex": "female", "crcl_ml_min": 70})
    assert plan.care_plan is not None
    ids = {i.id for i in (*plan.care_plan.goals, *plan.care_plan.activities)}
    assert not ids & {"personal-goals", "watch-for-change", "physio-ot-assessment"}
    assert "sleep-cbti" not in ids and "ms-physical-activity" not in ids
    assert {"stretching", "occupational-therapy"} <= ids  # written for any adult with spasticity
    text = _text(plan_html(plan))
    assert "children" not in text.split("Left out")[0].lower()
    assert "CBT-I" not in text and "insomnia guideline" not in text
    # What was left out is said, with why (never silently narrowed).
    assert any("children and young people" in s and "age 72" in s for s in plan.care_plan.left_out)
    assert any("insomnia" in s and "not recorded" in s for s in plan.care_plan.left_out)
    # The sources listed are only those of the items kept.
    assert "nice-cg145" not in {c.id for c in plan.care_plan.sources}


def test_young_person_with_cerebral_palsy_gets_the_goals_written_for_young_people() -> None:
    # Plans are built for adults only; NICE CG145 covers young people up to their 19th birthday.
    plan = plan_titration(
        KB.drugs["baclofen"],
        patient_from_data({"age_years": 18, "weight_kg": 60, "conditions": ["cerebral_palsy"]}),
        kb=KB,
        start=START,
        target=parse_sig("baclofen 5 mg tid"),
    )
    assert plan.care_plan is not None
    ids = {g.id for g in plan.care_plan.goals}
    assert {"personal-goals", "watch-for-change"} <= ids


def test_recorded_conditions_bring_their_items() -> None:
    plan = _taper({"age_years": 45, "conditions": ["multiple_sclerosis", "insomnia"]})
    assert plan.care_plan is not None
    ids = {i.id for i in (*plan.care_plan.goals, *plan.care_plan.activities)}
    assert {"stay-active", "ms-physical-activity", "sleep-cbti"} <= ids
    assert "electrical-stimulation-stroke" not in ids  # no stroke recorded


def test_unknown_age_keeps_age_banded_items_whose_text_names_their_readers() -> None:
    plan = _taper({})
    assert plan.care_plan is not None
    goals = {g.id: g.text for g in plan.care_plan.goals}
    assert "personal-goals" in goals and "children" in goals["personal-goals"].lower()


def test_oral_plan_never_sends_the_patient_to_a_pump_clinic() -> None:
    plan = _taper({"age_years": 50})
    assert not any("pump" in line for line in plan.withdrawal.seek_care)
    assert "pump clinic" not in plan_html(plan)
    pump = plan_pump(
        kb=KB, reservoir_ml=20, concentration_mcg_ml=500, dose_mcg_day=200, last_refill=START
    )
    assert any("pump clinic" in line for line in pump.withdrawal.seek_care)


def test_withdrawal_signs_are_said_once_not_at_every_step() -> None:
    plan = _taper({"age_years": 50})
    assert len(plan.steps) > 3
    assert "rhabdomyolysis" in plan.steps[0].watch_for
    assert all(not s.watch_for for s in plan.steps[1:])
    text = _text(plan_html(plan))
    assert text.count("rhabdomyolysis") == 1


def test_titration_has_no_withdrawal_box_but_says_not_to_stop_suddenly() -> None:
    plan = plan_titration(
        KB.drugs["baclofen"],
        patient_from_data({"age_years": 50, "crcl_ml_min": 90}),
        kb=KB,
        start=START,
        target=parse_sig("baclofen 10 mg tid"),
    )
    assert plan.withdrawal.signs == () and plan.withdrawal.seek_care == ()
    assert plan.stopping is not None and "do not stop it suddenly" in plan.stopping
    assert plan.steps[0].watch_for and all(not s.watch_for for s in plan.steps[1:])
    text = _text(plan_html(plan))
    assert "while the dose goes up" in text and "while stopping" not in text
    assert "Get urgent medical care" not in text


def test_titration_without_withdrawal_syndrome_says_nothing_about_stopping() -> None:
    plan = plan_titration(
        KB.drugs["dantrolene"],
        patient_from_data({"age_years": 50}),
        kb=KB,
        start=START,
        target=parse_sig("dantrolene 25 mg tid"),
    )
    if KB.drugs["dantrolene"].dependence.withdrawal is None:
        assert plan.stopping is None


def test_kidney_scaled_titration_states_where_it_ends_and_does_not_repeat_the_halving() -> None:
    plan = plan_titration(
        KB.drugs["baclofen"],
        patient_from_data({"age_years": 50, "crcl_ml_min": 45}),
        kb=KB,
        start=START,
        target=parse_sig("baclofen 20 mg tid"),
    )
    assert plan.steps[-1].daily_total_mg == 30
    assert not any("stops at the ceiling" in w for w in plan.warnings)
    assert any("ends at 30 mg/day" in w and "maximum of 40 mg/day" in w for w in plan.warnings)
    # The halving is applied by the plan: the alert is not on the steps, a note says why.
    codes = {a.code for s in plan.steps for a in s.alerts} | {a.code for a in plan.alerts}
    assert "MRX-RENAL-001" not in codes
    assert any("already applies it" in n and "MRX-RENAL-001" in n for n in plan.notes)


def test_kidney_ceiling_named_when_the_plan_ends_on_it() -> None:
    plan = plan_titration(
        KB.drugs["baclofen"],
        patient_from_data({"age_years": 50, "crcl_ml_min": 45}),
        kb=KB,
        start=START,
        target=parse_sig("baclofen 20 mg qid"),
    )
    assert plan.steps[-1].daily_total_mg == 40
    assert any("ends at 40 mg/day (the ceiling)" in w for w in plan.warnings)


def test_without_kidney_scaling_the_renal_alert_stays() -> None:
    # Normal kidney function: nothing is applied, nothing is hidden.
    plan = plan_titration(
        KB.drugs["baclofen"],
        patient_from_data({"age_years": 50, "crcl_ml_min": 100}),
        kb=KB,
        start=START,
        target=parse_sig("baclofen 20 mg tid"),
    )
    assert plan.steps[-1].daily_total_mg == 60
    assert not any("already applies" in n for n in plan.notes)


def test_audience_naming_an_unknown_condition_is_a_load_error(kb_copy: Path) -> None:
    path = kb_copy / "careplans.yaml"
    data = yaml.safe_load(path.read_text())
    data["careplans"][1]["goals"][2]["audience"]["conditions_any"] = ["multiple_sclerosys"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    kb, problems = validate_knowledge(kb_copy)
    assert kb is None
    assert any(
        "goals.2.audience.conditions_any.0" in field and "multiple_sclerosys" in msg
        for _, field, msg in problems
    )
