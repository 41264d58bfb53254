"""Issue 19: people's input is read with the knowledge the driver passes, not a global one.

A site folder that adds a condition synonym ("spinal stenosis" for low back pain, made up for the
test) and is passed as a terminology: the patient's condition is read with it; read without it
(the packaged knowledge), the same words are an unknown condition, said as not checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge_from
from myorelax.knowledge.terminology import terminology_for


def _add_synonym(root: Path) -> None:
    path = root / "conditions.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    for c in data["conditions"]:
        if c["id"] == "low_back_pain":
            c["synonyms"] = [*c.get("synonyms", []), "spinal stenosis"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_conditions_and_orders_are_read_with_the_terminology_given(kb_copy: Path) -> None:
    _add_synonym(kb_copy)
    term = terminology_for(load_knowledge_from(kb_copy))
    data = {"age_years": 50, "conditions": ["spinal stenosis"]}
    site = patient_from_data(data, term)
    assert site.conditions == ("low_back_pain",)
    packaged = patient_from_data(data)
    assert packaged.conditions == ()
    assert [n.reason for n in packaged.not_checked] == ["unknown_condition"]
    regimen = regimen_from(["baclofen 5 mg tid"], ["tizanidine"], terminology=term)
    assert [o.drug for o in regimen.orders] == ["baclofen"]
    assert [o.drug for o in regimen.stopping] == ["tizanidine"]
