"""Run every check over a patient and a regimen and return one sorted, de-duplicated report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.renal import ckd_stage
from myorelax.errors import UnknownDrugError
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import Terminology, default_terminology
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.checks import (
    abuse,
    contraindications,
    dose,
    duplication,
    duration,
    genotype,
    interactions,
    organ,
    population,
    withdrawal,
)
from myorelax.safety.checks.common import order_dose_mg
from myorelax.safety.context import CheckContext

Check = Callable[[CheckContext], list[Alert]]

CHECKS: tuple[Check, ...] = (
    contraindications.check,
    interactions.check,
    dose.check,
    duration.check,
    population.check,
    organ.check,
    genotype.check,
    duplication.check,
    abuse.check,
    withdrawal.check,
)


def deduplicate(alerts: Sequence[Alert]) -> list[Alert]:
    """Identical findings (same rule, same drugs) once, the most severe kept; then sorted by
    severity, code and drugs, so the report is deterministic."""
    kept: dict[tuple[str, tuple[str, ...]], Alert] = {}
    for a in alerts:
        prev = kept.get(a.key())
        if prev is None or a.rank < prev.rank:
            kept[a.key()] = a
    return sorted(kept.values(), key=lambda a: (a.rank, a.code, a.drugs, a.summary))


def _order_view(ctx: CheckContext, o: Order) -> dict[str, Any]:
    drug = ctx.kb.drugs.get(o.drug)
    dose_mg = order_dose_mg(drug, o) if drug else o.dose_mg
    view: dict[str, Any] = {
        "text": o.text,
        "drug": o.drug,
        "rxcui": o.rxcui,
        "dose": o.dose.model_dump() if o.dose else None,
        "dose_mg": dose_mg,
        "tablets": o.tablets,
        "route": o.route,
        "frequency": o.frequency.code if o.frequency else None,
        "doses_per_day": o.doses_per_day,
        "times": list(o.frequency.times) if o.frequency else [],
        "daily_dose_mg": (
            dose_mg * o.frequency.doses_per_day
            if dose_mg is not None and o.frequency and not o.frequency.single
            else dose_mg
        ),
        "prn": o.prn,
        "duration_days": o.duration_days,
        "start": o.start.isoformat() if o.start else None,
        "has_monograph": o.has_monograph,
    }
    return view


def _patient_view(ctx: CheckContext) -> dict[str, Any]:
    p = ctx.patient
    data = p.model_dump(mode="json", exclude={"medications", "unrecognized_medications"})
    k = ctx.kidney
    data.update(
        crcl_ml_min=k.crcl_ml_min,
        crcl_basis=k.crcl_basis,
        egfr_ml_min=k.egfr_ml_min,
        egfr_basis=k.egfr_basis,
        ckd_stage=ckd_stage(k.egfr_ml_min) if k.egfr_ml_min is not None else None,
        liver_impairment=p.liver_impairment,
        notes=_notes(ctx),
    )
    return data


def _notes(ctx: CheckContext) -> list[str]:
    notes: list[str] = []
    for text in ctx.patient.allergies:
        key = text.strip().lower().replace(" ", "_")
        if key in ctx.kb.groups:
            continue
        try:
            ctx.terminology.resolve(text, field="allergies")
        except UnknownDrugError as exc:
            hint = f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""
            notes.append(
                f"allergy {text!r} is not a drug or class known here{hint}; it was not checked"
            )
    for med in ctx.patient.unrecognized_medications:
        notes.append(
            f"medication {med!r} is not a drug known here; its interactions were not checked"
        )
    for c in ctx.patient.conditions:
        if c not in ctx.kb.conditions:
            notes.append(f"condition {c!r} is not known here; it was not checked")
    if not ctx.kidney.known:
        notes.append("kidney function unknown: " + ctx.kidney.crcl_basis)
    if ctx.patient.age_years is None:
        notes.append("age unknown: age limits and the Beers Criteria were not checked")
    return notes


def evaluate_regimen(
    patient: Patient,
    regimen: Regimen,
    *,
    kb: KnowledgeBase | None = None,
    terminology: Terminology | None = None,
    today: date | None = None,
) -> CheckReport:
    """Check `regimen` (orders, drugs being stopped) against `patient`; return the report."""
    kb = kb or load_knowledge()
    ctx = CheckContext(
        kb=kb,
        terminology=terminology or default_terminology(),
        patient=patient,
        regimen=regimen,
        today=today or date.today(),
    )
    alerts: list[Alert] = []
    for check in CHECKS:
        alerts += check(ctx)
    return CheckReport(
        patient=_patient_view(ctx),
        orders=tuple(_order_view(ctx, o) for o in regimen.orders),
        medications=tuple(_order_view(ctx, o) for o in patient.medications),
        stopping=tuple(o.drug for o in regimen.stopping),
        alerts=tuple(deduplicate(alerts)),
        knowledge_version=kb.version,
    )
