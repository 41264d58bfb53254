"""Plan limits read from the knowledge, not written in Python: the doses a day a label allows
(methocarbamol's maintenance entry gives 3 to 6: 750 mg every 4 hours), and the days a step is
held when the label or source gives no interval (said in the plan, not silently assumed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from myorelax.clinical.patient import Patient
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.knowledge.loader import load_knowledge, load_knowledge_from
from myorelax.plans.dosing import most_doses_per_day, oral_dosing
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import UNLABELLED_HOLD_DAYS, plan_titration
from tests.knowledge_edits import edit_yaml

START = date(2026, 12, 7)
ADULT = Patient(age_years=40, sex="male", weight_kg=70, scr_mg_dl=0.9)


def test_a_methocarbamol_taper_from_750_mg_every_4_hours_is_planned() -> None:
    kb = load_knowledge()
    plan = plan_taper(parse_sig("methocarbamol 750 mg q4h"), ADULT, kb=kb, start=START, days=6)
    first = plan.steps[0]
    assert len(first.doses) == 5  # one dose of six taken away on the first step
    assert {d.time for d in first.doses} <= {"08:00", "12:00", "16:00", "20:00", "00:00", "04:00"}
    assert plan.steps[-1].daily_total_mg == 0


def test_the_doses_a_day_fall_back_to_the_labels_doses_per_day() -> None:
    kb = load_knowledge()
    drug = kb.drugs["methocarbamol"]
    assert most_doses_per_day(drug, oral_dosing(drug, ADULT, kb)) == 6


def test_more_doses_than_the_label_gives_are_refused(kb_copy: Path) -> None:
    def change(d: dict) -> None:
        for entry in d["dosing"]:
            if entry["id"] == "adult-oral-maintenance":
                entry["doses_per_day"] = {"low": 3, "high": 4, "unit": "dimensionless"}

    edit_yaml(kb_copy / "drugs" / "methocarbamol.yaml", change)
    kb = load_knowledge_from(kb_copy)
    with pytest.raises(InputError, match="labelled maximum of 4 doses a day"):
        plan_taper(parse_sig("methocarbamol 750 mg q4h"), ADULT, kb=kb, start=START, days=6)


def test_no_doses_a_day_in_the_label_refuses_rather_than_assuming_4(kb_copy: Path) -> None:
    def change(d: dict) -> None:
        for entry in d["dosing"]:
            if entry["route"] == "oral":
                entry.pop("doses_per_day", None)

    edit_yaml(kb_copy / "drugs" / "methocarbamol.yaml", change)
    kb = load_knowledge_from(kb_copy)
    with pytest.raises(InputError, match="gives no number of doses a day"):
        plan_taper(parse_sig("methocarbamol 500 mg tid"), ADULT, kb=kb, start=START, days=6)


def test_a_schedule_level_with_no_days_or_interval_is_said_in_the_plan(kb_copy: Path) -> None:
    def change(d: dict) -> None:
        for entry in d["dosing"]:
            if entry["id"] == "adult-oral-spasticity":
                entry["titration"].pop("interval")
                for level in entry["titration"]["schedule"]:
                    level.pop("days", None)

    edit_yaml(kb_copy / "drugs" / "dantrolene.yaml", change)
    kb = load_knowledge_from(kb_copy)
    plan = plan_titration(kb.drugs["dantrolene"], ADULT, kb=kb, start=START,
                          target=parse_sig("dantrolene 50 mg tid"))  # fmt: skip
    assert plan.steps[0].days == UNLABELLED_HOLD_DAYS  # behaviour kept
    assert any("no interval between dose increases" in w for w in plan.warnings)


def test_the_packaged_dantrolene_titration_assumes_nothing() -> None:
    kb = load_knowledge()
    plan = plan_titration(kb.drugs["dantrolene"], ADULT, kb=kb, start=START,
                          target=parse_sig("dantrolene 50 mg tid"))  # fmt: skip
    assert not any("assumption" in w for w in plan.warnings)


def test_a_taper_step_with_no_sourced_interval_is_said_in_the_plan(kb_copy: Path) -> None:
    edit_yaml(
        kb_copy / "drugs" / "tizanidine.yaml",
        lambda d: d["dependence"]["taper"].update(step_interval=None),
    )
    kb = load_knowledge_from(kb_copy)
    plan = plan_taper(parse_sig("tizanidine 4 mg tid"), ADULT, kb=kb, start=START)
    assert plan.steps[0].days == 1  # behaviour kept
    assert any("no interval between them" in w for w in plan.warnings)
    assert "no interval sourced" in plan.rule.text
