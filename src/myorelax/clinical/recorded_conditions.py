"""What a patient's recorded conditions mean, as the knowledge base's conditions say: the
conditions they imply (kidney failure is reduced kidney function) and the kidney function a
recorded kidney failure sets. One reading for the safety check and the PK simulator."""

from __future__ import annotations

from myorelax.clinical.patient import KidneyFunction, Patient, kidney_function
from myorelax.knowledge.schema import KnowledgeBase, implied_conditions
from myorelax.units import convert


def recorded_as(recorded: frozenset[str], condition: str, kb: KnowledgeBase) -> frozenset[str]:
    """The recorded conditions that are `condition` or a kind of it ('open-angle glaucoma' for
    glaucoma)."""
    return frozenset(
        c for c in recorded if c == condition or condition in implied_conditions(c, kb.conditions)
    )


def with_implied_conditions(patient: Patient, kb: KnowledgeBase) -> Patient:
    """The patient with every condition their recorded ones imply, transitively."""
    have = list(patient.conditions)
    for cid in patient.conditions:
        have += [c for c in implied_conditions(cid, kb.conditions) if c not in have]
    if len(have) == len(patient.conditions):
        return patient
    return patient.model_copy(update={"conditions": tuple(have)})


def kidney_failure(patient: Patient, kb: KnowledgeBase) -> tuple[float, str, float | None] | None:
    """The GFR category (mL/min) a recorded kidney condition, or one it implies, puts the patient
    in by definition (conditions.yaml `gfr_below`, and `gfr_from` for a category with a floor:
    KDIGO G5 for kidney failure, G4 for CKD stage 4): the lowest of them, as (below, the
    condition's name, from); None when none is recorded."""
    found: list[tuple[float, str, float | None]] = []
    for cid in with_implied_conditions(patient, kb).has_condition:
        cond = kb.conditions.get(cid)
        if cond is not None and cond.gfr_below is not None:
            below = convert(cond.gfr_below.upper, cond.gfr_below.unit, "mL/min")
            floor = (
                convert(cond.gfr_from.lower, cond.gfr_from.unit, "mL/min")
                if cond.gfr_from is not None
                else None
            )
            found.append((below, cond.id.replace("_", " "), floor))
    return min(found, key=lambda f: (f[0], f[2] or 0.0)) if found else None


def recorded_kidney_function(patient: Patient, kb: KnowledgeBase) -> KidneyFunction:
    """The patient's kidney function with a recorded kidney failure taken into account."""
    return kidney_function(patient, kidney_failure(patient, kb), states=kb.patient_states)
