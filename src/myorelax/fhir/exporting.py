"""Check results as FHIR R4 resources: one DetectedIssue per alert.

A DetectedIssue carries the alert code (system ``urn:myorelax:alert``) with the summary as its
display, the severity (contraindicated and major are ``high``, moderate ``moderate``, minor
``low``), the detail, the recommendation as a mitigation, the first evidence URL as its
``reference`` and every source as evidence; ``implicated`` points at the MedicationRequests of
the drugs involved where the caller knows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from myorelax.clinical.not_checked import NotChecked
from myorelax.errors import InputError
from myorelax.fhir.codes import ALERT_SYSTEM, SEVERITY_OF_ALERT
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.alert_text import plain


def detected_issue(
    alert: Alert,
    *,
    patient_reference: str | None = None,
    implicated: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One alert as a DetectedIssue (a JSON-ready dict)."""
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "status": "final",
        "code": {
            "coding": [
                {"system": ALERT_SYSTEM, "code": alert.code, "display": plain(alert.summary)}
            ],
            "text": plain(alert.summary),
        },
        "severity": SEVERITY_OF_ALERT[alert.severity],
        # DetectedIssue.detail and CodeableConcept.text are plain strings in FHIR R4 (not
        # markdown): the alert's emphasis marks are dropped.
        "detail": plain(alert.detail),
        "mitigation": [{"action": {"text": plain(alert.recommendation)}}],
    }
    if patient_reference:
        issue["patient"] = {"reference": patient_reference}
    refs = implicated or {}
    if alert.drugs:
        issue["implicated"] = [
            {"reference": refs[d], "display": d} if d in refs else {"display": d}
            for d in alert.drugs
        ]
    if alert.evidence:
        issue["reference"] = alert.evidence[0].url
        issue["evidence"] = [
            {
                "detail": [
                    {
                        "display": ", ".join(
                            x
                            for x in (
                                e.title,
                                f"section {e.section}" if e.section else "",
                                e.url,
                            )
                            if x
                        )
                    }
                ]
            }
            for e in alert.evidence
        ]
    return issue


def detected_issues(
    report: CheckReport,
    *,
    patient_reference: str | None,
    implicated: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One DetectedIssue per alert of the report, in the report's order. `implicated` maps a
    drug id (as in `Alert.drugs`) to a reference such as ``MedicationRequest/123``."""
    return [
        detected_issue(a, patient_reference=patient_reference, implicated=implicated)
        for a in report.alerts
    ]


NOT_CHECKED_SYSTEM = "urn:myorelax:not-checked"


def not_checked_outcome(items: Sequence[NotChecked]) -> dict[str, Any]:
    """An OperationOutcome with one warning per thing the check did not check (issue code
    `incomplete`; `details.coding` carries the reason code, `expression` what it was about).
    With nothing unchecked it holds one `information` issue saying so: never an empty answer."""
    issues: list[dict[str, Any]] = [
        {
            "severity": "warning",
            "code": "incomplete",
            "details": {
                "coding": [{"system": NOT_CHECKED_SYSTEM, "code": item.reason}],
                "text": item.detail,
            },
            "diagnostics": f"{item.kind}: {item.item}",
        }
        for item in items
    ]
    if not issues:
        issues.append(
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": "everything the rules needed was known; nothing was left unchecked",
            }
        )
    return {"resourceType": "OperationOutcome", "issue": issues}


def validate_r4(resource: Mapping[str, Any]) -> None:
    """Validate a resource dict against the fhir.resources R4B model of its resourceType;
    raise InputError naming the first invalid element."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    rt = resource.get("resourceType") if isinstance(resource, Mapping) else None
    if not isinstance(rt, str) or not rt:
        raise InputError("is not a FHIR resource: it has no resourceType", field="resourceType")
    try:
        model = get_fhir_model_class(rt)
    except (KeyError, ValueError):
        raise InputError(f"{rt!r} is not an R4 resource type", field="resourceType") from None
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or rt
        raise InputError(f"not a valid R4 {rt}: {err['msg']}", field=f"{rt}.{where}") from None
