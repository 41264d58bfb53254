"""The CDS services: what discovery lists, what each asks the EHR to prefetch, and how a call
is answered.

- `myorelax-order-check` answers `order-select` and `order-sign` under one id, so an EHR that
  follows the specification's "update stale guidance" replaces the order-select cards with the
  order-sign ones. It checks the draft MedicationRequests (the `selections` for order-select,
  every draft for order-sign) against the patient's record and current medications.
- `myorelax-patient-review` answers `patient-view`: it reviews what the patient is taking now,
  every drug a rule covers (muscle relaxants: Beers criteria, duration, duplicates, missing
  kidney function, interactions; an opioid with a benzodiazepine in an older adult).

The FHIR data comes from `prefetch`, or from the EHR's FHIR server when a key is absent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from myorelax.cds_hooks.mapping import (
    alert_to_card,
    delete_suggestion,
    info_card,
    replace_suggestion,
)
from myorelax.cds_hooks.models import Card, Discovery, ServiceDefinition, Suggestion
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.sig import scheduled_order
from myorelax.errors import MyorelaxError
from myorelax.fhir.codes import LOINC, OBSERVATION_CODES, RXNORM, SMOKING_STATUS_LOINC
from myorelax.fhir.importing import (
    DraftOrders,
    FhirRecord,
    orders_from_fhir,
    record_from_fhir,
    resources_of,
)
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import terminology_for
from myorelax.plans.titration import plan_titration
from myorelax.safety.alert import Alert
from myorelax.safety.checks.interactions import OUD_FLAG
from myorelax.safety.engine import evaluate_regimen

log = logging.getLogger(__name__)

ORDER_SERVICE = "myorelax-order-check"
REVIEW_SERVICE = "myorelax-patient-review"

# Every observation the FHIR importer reads (weight, height, creatinine in mass or moles, eGFR,
# smoking status): the prefetch asks for exactly what the check can use.
_LABS = ",".join(f"{LOINC}|{c}" for c in sorted({*OBSERVATION_CODES, *SMOKING_STATUS_LOINC}))
PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
    "statements": "MedicationStatement?patient={{context.patientId}}&status=active",
    "conditions": "Condition?patient={{context.patientId}}",
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
    "observations": f"Observation?patient={{{{context.patientId}}}}&code={_LABS}&_sort=-date&_count=100",
}
PREFETCH_TYPES: dict[str, str] = {
    "patient": "Patient",
    "medications": "MedicationRequest",
    "statements": "MedicationStatement",
    "conditions": "Condition",
    "allergies": "AllergyIntolerance",
    "observations": "Observation",
}
# Without the patient the check cannot run at all (412). Without the medication list it runs on
# the draft orders alone and says, in an info card, that their interactions with what the
# patient already takes were not checked (many EHRs prefetch under their own keys, or not at all).
REQUIRED_KEYS = ("patient",)

_ORDER_TEXT = (
    "Checks draft orders for muscle relaxants and the drugs that interact with them "
    "(opioids, benzodiazepines, CYP1A2 inhibitors, MAO inhibitors...) against the patient's "
    "age, kidney and liver function, conditions and current medications."
)


def discovery() -> Discovery:
    return Discovery(
        services=[
            ServiceDefinition(
                hook=hook,
                title="Muscle relaxant order check",
                description=_ORDER_TEXT,
                id=ORDER_SERVICE,
                prefetch=dict(PREFETCH),
            )
            for hook in ("order-select", "order-sign")
        ]
        + [
            ServiceDefinition(
                hook="patient-view",
                title="Muscle relaxant therapy review",
                description="Reviews what a patient takes now: muscle relaxants (Beers "
                "criteria, duration, duplicates, interactions, missing kidney function) and "
                "the risky combinations the rules name (an opioid with a benzodiazepine in an "
                "older adult).",
                id=REVIEW_SERVICE,
                prefetch=dict(PREFETCH),
            )
        ]
    )


HOOKS_OF = {ORDER_SERVICE: ("order-select", "order-sign"), REVIEW_SERVICE: ("patient-view",)}


@dataclass(frozen=True)
class HookData:
    """What a call carries once prefetch (or fetching) is done."""

    hook: str
    instance: str
    context: Mapping[str, Any]
    resources: Sequence[Mapping[str, Any]]
    missing: tuple[str, ...] = ()
    borrowed: tuple[str, ...] = ()  # read from the client's own prefetch keys: maybe partial
    # (key, why) for every query that failed or came back incomplete when fetched
    problems: tuple[tuple[str, str], ...] = ()


def _relevant(alert: Alert, drugs: set[str]) -> bool:
    """An order check reports what a draft order takes part in: an interaction between a draft
    and a current medication whichever of the two has the monograph (a new ciprofloxacin with
    the tizanidine already taken), never two current drugs alone."""
    return bool(drugs.intersection(alert.drugs))


def _monograph_of(alert: Alert, ordered: set[str], kb: KnowledgeBase) -> str:
    """The drug whose monograph the card links to: an ordered drug with a monograph, else the
    alert's drug with one (the current relaxant a new order interacts with)."""
    for pool in (ordered.intersection(alert.drugs), set(alert.drugs)):
        with_monograph = sorted(d for d in pool if d in kb.drugs)
        if with_monograph:
            return with_monograph[0]
    return sorted(ordered.intersection(alert.drugs) or alert.drugs)[0]


def _draft_resource(order: Order, mono: Monograph, patient_ref: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": {
            "coding": [
                {"system": RXNORM, "code": mono.identifiers.rxcui.value, "display": mono.name}
            ],
            "text": mono.name,
        },
        "dosageInstruction": [{"text": order.text}],
    }
    if patient_ref:
        resource["subject"] = {"reference": patient_ref}
    return resource


def _controlled(drug: Monograph) -> bool:
    return drug.identifiers.dea_schedule.value not in (None, "not_controlled")


def _same_indication(a: str, b: str) -> bool:
    """Indication ids name the same use when one refines the other (`spasticity` and
    `spasticity_ms`)."""
    return a == b or a.startswith(b + "_") or b.startswith(a + "_")


def _alternative(
    drug: str, patient: Patient, kb: KnowledgeBase, today: date
) -> tuple[Order, Monograph] | None:
    """Another drug for the same labelled indication (label section 1, in the knowledge base)
    that is not a controlled substance, at its labelled starting dose (the first step of its
    titration plan), and that raises no major or contraindicated alert for this patient."""
    mono = kb.drugs.get(drug)
    if mono is None:
        return None
    indications = {i.id for i in mono.indications}
    taken = {m.drug for m in patient.medications}
    for other in sorted(kb.drugs.values(), key=lambda d: d.id):
        if other.id == drug or other.id in taken or _controlled(other):
            continue
        if not any(_same_indication(a, b.id) for a in indications for b in other.indications):
            continue
        try:
            plan = plan_titration(other, patient, kb=kb, start=today)
        except MyorelaxError:
            continue
        first = plan.steps[0]
        per_day = len(first.doses)
        if not per_day:
            continue
        if per_day > 4:
            continue
        order = scheduled_order(other.id, other.name, other.identifiers.rxcui.value,
                                dose_mg=first.doses[0].dose_mg, doses_per_day=per_day,
                                start=today)  # fmt: skip
        vetted = evaluate_regimen(
            patient, Regimen(orders=(order,)), kb=kb, terminology=terminology_for(kb), today=today
        )
        if any(a.rank <= 1 and other.id in a.drugs for a in vetted.alerts):
            continue
        return order, other
    return None


def review_orders(
    data: HookData, *, kb: KnowledgeBase, today: date, source_label: str, base_url: str
) -> list[Card]:
    """Cards for order-select / order-sign."""
    term = terminology_for(kb)
    record: FhirRecord = record_from_fhir(data.resources, today=today, terminology=term)
    drafts_bundle = data.context.get("draftOrders")
    drafts: DraftOrders = orders_from_fhir(
        drafts_bundle or {"resourceType": "Bundle"},
        terminology=term,
        referenced=[
            r for r in resources_of(list(data.resources)) if r.get("resourceType") == "Medication"
        ],
    )
    selections = data.context.get("selections")
    chosen: list[int]
    if data.hook == "order-select" and isinstance(selections, list) and selections:
        wanted = {str(s) for s in selections}
        chosen = [
            i for i, rid in enumerate(drafts.ids)
            if rid is not None and f"MedicationRequest/{rid}" in wanted
        ]  # fmt: skip
        if not chosen:
            log.warning("order-select: no selected MedicationRequest in draftOrders")
    else:
        if data.hook == "order-select":
            log.warning("order-select without selections: every draft order is checked")
        chosen = list(range(len(drafts.orders)))
    others = tuple(o for i, o in enumerate(drafts.orders) if i not in chosen)
    checked = tuple(drafts.orders[i] for i in chosen)
    if not checked:
        # Nothing to check; a draft that could not be read is still said.
        if drafts.not_checked:
            return [_not_checked_card(data, drafts.not_checked, source_label)]
        return []
    current = tuple(
        m for m in record.patient.medications if m not in checked
    )  # drafts may also be prefetched
    patient = record.patient.model_copy(update={"medications": current + others})
    report = evaluate_regimen(
        patient, Regimen(orders=checked), kb=kb, terminology=term, today=today
    )
    ordered = {o.drug for o in checked}
    id_of = {drafts.orders[i].drug: drafts.ids[i] for i in chosen if drafts.ids[i]}
    patient_ref = f"Patient/{record.patient_fhir_id}" if record.patient_fhir_id else None
    alternatives: dict[str, tuple[Order, Monograph] | None] = {}
    cards: list[Card] = []
    for alert in report.alerts:
        if not _relevant(alert, ordered):
            continue
        suggestions: list[Suggestion] = []
        if alert.rank <= 1:
            for drug in sorted(ordered.intersection(alert.drugs)):
                rid = id_of.get(drug)
                # Never offer to remove or replace an opioid-use-disorder treatment (the card
                # itself says not to withhold it; fda-dsc-2017-mat): only the other drug.
                if rid is None or OUD_FLAG in term.ingredient(drug).flags:
                    continue
                name = kb.drugs[drug].name.lower() if drug in kb.drugs else drug
                resource_id = f"MedicationRequest/{rid}"
                if drug not in alternatives:
                    alternatives[drug] = _alternative(drug, patient, kb, today)
                alt = alternatives[drug]
                if alt is not None:
                    order, mono = alt
                    suggestions.append(
                        replace_suggestion(
                            data.instance,
                            alert,
                            name,
                            resource_id,
                            f"{mono.name.lower()} {order.text.split(' ', 1)[1]}",
                            _draft_resource(order, mono, patient_ref),
                        )
                    )
                suggestions.append(delete_suggestion(data.instance, alert, name, resource_id))
        cards.append(
            alert_to_card(
                alert,
                instance=data.instance,
                source_label=source_label,
                source_url=f"{base_url}/api/v1/drugs/{_monograph_of(alert, ordered, kb)}",
                suggestions=suggestions,
            )
        )
    # Any draft can matter when the current medication list is unknown (a relaxant the patient
    # already takes would interact with an opioid, a CYP1A2 inhibitor, an antihypertensive...).
    involved = (cards or any(o.drug in kb.drugs for o in checked) or drafts.not_checked
                or "medications" in data.missing)  # fmt: skip
    if involved and (
        report.not_checked or drafts.not_checked or data.missing or data.borrowed or data.problems
    ):
        cards.append(
            _not_checked_card(data, (*drafts.not_checked, *report.not_checked), source_label)
        )
    return cards


def review_patient(
    data: HookData, *, kb: KnowledgeBase, today: date, source_label: str, base_url: str
) -> list[Card]:
    """Cards for patient-view: every current drug a rule covers, reviewed as current therapy
    (no orders): the muscle relaxants (Beers criteria, duration, duplicates, kidney function,
    interactions), and the combinations the rules name whatever the drugs (an opioid with a
    benzodiazepine in an older adult, Beers 2023). When the medication list is missing or may
    be incomplete, an info card says so, even when nothing else is found."""
    term = terminology_for(kb)
    record = record_from_fhir(data.resources, today=today, terminology=term)
    report = evaluate_regimen(record.patient, Regimen(), kb=kb, terminology=term, today=today)
    cards = [
        alert_to_card(
            a,
            instance=data.instance,
            source_label=source_label,
            source_url=_review_url(a, kb, base_url),
        )
        for a in report.alerts
    ]
    if report.not_checked or data.missing or data.borrowed or data.problems:
        cards.append(_not_checked_card(data, report.not_checked, source_label))
    return cards


def _review_url(alert: Alert, kb: KnowledgeBase, base_url: str) -> str | None:
    """The monograph a review card links to (a rule over other drugs has none)."""
    drug = next((d for d in sorted(alert.drugs) if d in kb.drugs), None)
    return f"{base_url}/api/v1/drugs/{drug}" if drug else None


def _not_checked_card(data: HookData, items: Sequence[NotChecked], source_label: str) -> Card:
    """One info card naming everything that was not checked: data the EHR did not send, and
    what the check could not read or did not have (the report's `not_checked`)."""
    lines = [f"- {i.detail}" for i in dict.fromkeys(items)]
    why = dict(data.problems)
    partial = [k for k in why if k not in data.missing]
    if partial:
        lines[:0] = [f"- {k} may be incomplete: {why[k]}" for k in partial]
    if data.missing:
        missing = ", ".join(data.missing)
        reasons = "; ".join(f"{k}: {why[k]}" for k in data.missing if k in why)
        lines.insert(
            0,
            f"- no {missing} were found in the prefetch and they could not be fetched"
            + (f" ({reasons})" if reasons else "")
            + "; nothing was assumed in their place",
        )
    lists = [k for k in data.borrowed if k != "patient"]  # a Patient resource is whole
    if lists:
        borrowed = ", ".join(lists)
        lines.insert(
            0,
            f"- {borrowed} were read from data the EHR prefetched under other keys; they "
            "may not be the complete lists this check asks for",
        )
    # One mention per category: what is missing, what may be incomplete, then the rest.
    said = {*data.missing, *partial, *lists}
    heads = [", ".join(data.missing)] if data.missing else []
    incomplete = list(dict.fromkeys([*partial, *lists]))
    if incomplete:
        heads.append("possibly incomplete " + ", ".join(incomplete))
    rest = [n for n in dict.fromkeys(i.item for i in items) if n not in said]
    names = [*heads, *rest]
    summary = f"Not checked: {', '.join(names)}"
    detail = (
        "These cards do not consider the following, so an absent card here is not an all-clear:"
        "\n\n" + "\n".join(lines)
    )
    return info_card(data.instance, "not-checked:" + "|".join(names), summary, detail, source_label)
