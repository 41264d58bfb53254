"""Issue 19: the Beers combinations are rule triggers in the knowledge files, interpreted by one
function of the check (`CheckContext.triggered`), not lists of groups written in Python.

MRX-BEERS-004 (an opioid with a benzodiazepine) and MRX-BEERS-005 (with a gabapentinoid) are
`all_of` triggers; MRX-BEERS-006 (strongly anticholinergic drugs, benzodiazepines, Z-drugs in
dementia) is an `any_of` trigger with `with_condition`. A site's folder that widens them changes
the alerts; a trigger that names an unknown condition, or two kinds at once, is a load error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge_from, validate_knowledge
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.safety.engine import evaluate_regimen
from tests.knowledge_edits import edit_yaml as _edit

OLDER: dict[str, Any] = {"age_years": 78, "sex": "female", "weight_kg": 60, "scr_mg_dl": 0.8,
                         "allergies": []}  # fmt: skip


def _codes(orders: list[str], kb: KnowledgeBase | None = None, **patient: Any) -> set[str]:
    report = evaluate_regimen(patient_from_data(OLDER | patient), regimen_from(orders), kb=kb)
    return {a.code for a in report.alerts}


def test_the_packaged_triggers_fire_as_before() -> None:
    assert "MRX-BEERS-004" in _codes(["oxycodone 5 mg q6h prn"], medications=["lorazepam 1 mg bid"])
    assert "MRX-BEERS-005" in _codes(
        ["oxycodone 5 mg q6h prn"], medications=["gabapentin 300 mg tid"]
    )
    assert "MRX-BEERS-006" in _codes(["lorazepam 1 mg bid"], conditions=["dementia"])
    assert "MRX-BEERS-006" not in _codes(["lorazepam 1 mg bid"])  # no dementia recorded
    # Beers 2023 Table 3 lists benzodiazepines for delirium as well as dementia
    assert "MRX-BEERS-006" in _codes(["lorazepam 1 mg bid"], conditions=["delirium"])
    assert "MRX-BEERS-006" not in _codes(["lorazepam 1 mg bid"], conditions=["hypertension"])


def test_a_site_that_adds_delirium_gets_the_alert_in_delirium(kb_copy: Path) -> None:
    _edit(
        kb_copy / "rules/MRX-BEERS-006.yaml",
        lambda d: d["trigger"].update(with_condition=["dementia", "delirium"]),
    )
    site = load_knowledge_from(kb_copy)
    assert "MRX-BEERS-006" in _codes(["lorazepam 1 mg bid"], site, conditions=["delirium"])


def test_a_site_that_moves_beers_004_to_another_group(kb_copy: Path) -> None:
    """With the benzodiazepine term replaced by the Z-drugs, the opioid with lorazepam no longer
    fires MRX-BEERS-004 and the opioid with zolpidem does."""
    _edit(
        kb_copy / "rules/MRX-BEERS-004.yaml",
        lambda d: d["trigger"].update(all_of=[{"group": "opioids"}, {"group": "z_drugs"}]),
    )
    site = load_knowledge_from(kb_copy)
    opioid = ["oxycodone 5 mg q6h prn"]
    assert "MRX-BEERS-004" not in _codes(opioid, site, medications=["lorazepam 1 mg bid"])
    assert "MRX-BEERS-004" in _codes(opioid, site, medications=["zolpidem 5 mg qhs"])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["trigger"].update(with_condition=["dementai"]), "trigger.with_condition.0",
         "unknown condition 'dementai'"),
        (lambda d: d["trigger"].update(all_of=[{"group": "opioids"}]), "trigger",
         "give one of all_of, any_of and distinct_of"),
        (lambda d: d["trigger"]["any_of"].append({"group": "benzos"}), "trigger.any_of.3.group",
         "unknown group 'benzos'"),
    ],
)  # fmt: skip
def test_a_bad_trigger_is_a_load_error_naming_file_and_field(
    kb_copy: Path, change: Any, field: str, message: str
) -> None:
    _edit(kb_copy / "rules/MRX-BEERS-006.yaml", change)
    kb, problems = validate_knowledge(kb_copy)
    assert kb is None
    assert ("rules/MRX-BEERS-006.yaml", field, message) in problems, problems
