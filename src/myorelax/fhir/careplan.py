"""A titration or taper plan, and its non-drug care plan, as a FHIR R4 CarePlan.

The CarePlan holds contained Goal resources; each dose step is an activity of kind
MedicationRequest (RxNorm ingredient code, daily amount, scheduled period); each non-drug
activity is an activity of kind ServiceRequest with its text and citation.

Nothing the JSON plan says is dropped: every alert of the plan is a contained DetectedIssue (as
`/fhir/check` reports alerts: code system ``urn:myorelax:alert``, severity high/moderate/low)
referenced from `supportingInfo`, and also a note; every not-checked item is a note naming its
reason code. A titration's period has no end (its maintenance dose continues).
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.careplan import CarePlan

from myorelax.fhir.codes import ALERT_SYSTEM, RXNORM, SEVERITY_OF_ALERT
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.plans.model import Plan

UCUM = "http://unitsofmeasure.org"
CATEGORY = {
    "physical_therapy": "Physical therapy",
    "occupational_therapy": "Occupational therapy",
    "exercise": "Exercise",
    "stress_management": "Stress management",
    "sleep": "Sleep",
    "analgesia": "Pain relief",
    "education": "Education",
}


def care_plan_resource(
    plan: Plan, kb: KnowledgeBase, *, patient_reference: str | None = None
) -> dict[str, Any]:
    """The plan as a CarePlan resource (a JSON-ready dict), validated against the R4B model."""
    drug = kb.drugs[plan.drug]
    subject: dict[str, Any] = (
        {"reference": patient_reference} if patient_reference else {"display": "the patient"}
    )
    rx = {
        "coding": [
            {"system": RXNORM, "code": drug.identifiers.rxcui.value, "display": drug.name.lower()}
        ],
        "text": drug.name,
    }
    contained: list[dict[str, Any]] = []
    goal_refs: list[dict[str, str]] = []
    activities: list[dict[str, Any]] = []
    for step in plan.steps:
        period: dict[str, str] = {"start": step.start.isoformat()}
        if step.end is not None:
            period["end"] = step.end.isoformat()
        detail: dict[str, Any] = {
            "kind": "MedicationRequest",
            "status": "not-started",
            "productCodeableConcept": rx,
            "scheduledPeriod": period,
            "description": f"Step {step.index}: {step.text}",
        }
        if step.daily_total_mg > 0:
            detail["dailyAmount"] = {
                "value": step.daily_total_mg,
                "unit": "mg",
                "system": UCUM,
                "code": "mg",
            }
        activities.append({"detail": detail})
    care = plan.care_plan
    if care is not None:
        for goal in care.goals:
            gid = f"goal-{goal.id}"
            text = goal.text + (f" Measure: {goal.measure}." if goal.measure else "")
            contained.append(
                {
                    "resourceType": "Goal",
                    "id": gid,
                    "lifecycleStatus": "proposed",
                    "description": {"text": text},
                    "subject": subject,
                    "note": [{"text": f"Source: {_source(kb, goal.source)}"}],
                }
            )
            goal_refs.append({"reference": f"#{gid}"})
        for act in care.activities:
            description = act.text
            if act.caution:
                description += f" Caution: {act.caution}"
            activities.append(
                {
                    "detail": {
                        "kind": "ServiceRequest",
                        "status": "not-started",
                        "code": {"text": CATEGORY.get(act.category or "", "Activity")},
                        "description": description,
                    },
                    "progress": [{"text": f"Source: {_source(kb, act.source)}"}],
                }
            )
    issues = _detected_issues(plan, subject)
    contained += issues
    period = {"start": plan.start.isoformat()}
    if plan.end is not None:
        period["end"] = plan.end.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "draft",
        "intent": "proposal",
        "title": f"{plan.drug_name} {plan.kind} plan"
        + (f" with {care.title.lower()} care" if care else ""),
        "description": plan.rule.text,
        "subject": subject,
        "period": period,
        "activity": activities,
        "note": [
            {"text": w}
            for w in (
                *plan.warnings,
                *(f"Alert ({a.severity}, {a.code}): {a.summary}" for a in plan.alerts),
                *(f"Not checked ({n.reason}): {n.detail}" for n in plan.not_checked),
                *plan.notes,
            )
        ],
    }
    if contained:
        resource["contained"] = contained
    if goal_refs:
        resource["goal"] = goal_refs
    if issues:
        resource["supportingInfo"] = [
            {"reference": f"#{i['id']}", "display": i["code"]["text"]} for i in issues
        ]
    if not resource["note"]:
        del resource["note"]
    CarePlan.model_validate(resource)  # a failure here is a bug in this module, not bad input
    return resource


def _detected_issues(plan: Plan, subject: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's alerts as contained DetectedIssues, coded as `/fhir/check` codes them."""
    out = []
    for i, alert in enumerate(plan.alerts, start=1):
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": f"alert-{i}",
            "status": "preliminary",
            "code": {
                "coding": [{"system": ALERT_SYSTEM, "code": alert.code, "display": alert.summary}],
                "text": alert.summary,
            },
            "severity": SEVERITY_OF_ALERT[alert.severity],
            "detail": f"{alert.severity} ({alert.code}): {alert.summary}",
        }
        if "reference" in subject:
            issue["patient"] = subject
        out.append(issue)
    return out


def _source(kb: KnowledgeBase, source_id: str) -> str:
    src = kb.sources.get(source_id)
    if src is None:
        return source_id
    ident = f"PMID {src.pmid}" if src.pmid else (f"doi:{src.doi}" if src.doi else (src.url or ""))
    return f"{src.title} ({ident})" if ident else src.title
