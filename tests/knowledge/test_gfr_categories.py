"""The GFR categories shown beside an eGFR ('CKD stage G3b') are knowledge (patient_states.yaml,
KDIGO 2012), not numbers in Python; the loader refuses a list out of order or without G5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.knowledge.loader import load_knowledge
from tests.knowledge_edits import edit_yaml, load_problems


@pytest.mark.parametrize(
    ("egfr", "category"),
    [(120, "G1"), (90, "G1"), (89.9, "G2"), (60, "G2"), (59.9, "G3a"), (45, "G3a"),
     (44.9, "G3b"), (30, "G3b"), (29.9, "G4"), (15, "G4"), (14.9, "G5"), (0, "G5")],
)  # fmt: skip
def test_each_boundary_belongs_to_the_higher_category(egfr: float, category: str) -> None:
    assert load_knowledge().patient_states.gfr_category(egfr) == category


def test_every_category_is_cited() -> None:
    for c in load_knowledge().patient_states.gfr_categories:
        assert c.from_egfr.source == "kdigo-2012", c.category


def test_the_check_reports_the_category_from_the_data(cli: Any) -> None:
    import json

    done = cli("check", "--order", "baclofen 5 mg tid", "--age", "70", "--sex", "female",
               "--scr-mg-dl", "1.6", "--weight-kg", "60", "--json")  # fmt: skip
    assert json.loads(done.stdout)["patient"]["ckd_stage"] == "G3b"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.reverse(), "from the highest eGFR down"),
        (lambda c: c.pop(), "must start at an eGFR of 0"),
    ],
)
def test_a_list_out_of_order_or_without_g5_is_refused(
    kb_copy: Path, change: Any, problem: str
) -> None:
    edit_yaml(kb_copy / "patient_states.yaml", lambda d: change(d["gfr_categories"]))
    problems = load_problems(kb_copy)
    assert any(problem in why for _, _, why in problems), problems
