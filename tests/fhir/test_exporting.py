"""Alerts as FHIR R4 DetectedIssues, validated with the fhir.resources R4B models."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import InputError
from myorelax.fhir.exporting import detected_issue, detected_issues, validate_r4
from myorelax.safety.alert import Alert, CheckReport, Evidence
from myorelax.safety.engine import evaluate_regimen


def _alert(severity: str, **extra: object) -> Alert:
    data: dict[str, object] = {
        "code": "MRX-DDI-003",
        "severity": severity,
        "summary": "Carisoprodol + Diazepam: additive sedation",
        "detail": "Both depress the CNS.",
        "drugs": ("carisoprodol", "diazepam"),
        "mechanism": "additive",
        "recommendation": "Avoid the combination.",
    }
    data.update(extra)
    return Alert.model_validate(data)


@pytest.mark.parametrize(
    ("severity", "fhir"),
    [("contraindicated", "high"), ("major", "high"), ("moderate", "moderate"), ("minor", "low")],
)
def test_severity(severity: str, fhir: str) -> None:
    issue = detected_issue(_alert(severity))
    validate_r4(issue)
    assert issue["severity"] == fhir


def test_detected_issue_fields() -> None:
    evidence = (
        Evidence(source="a", title="Label A", url="https://example.org/a", section="7"),
        Evidence(source="b", title="Paper B", url="https://example.org/b"),
    )
    issue = detected_issue(
        _alert("major", evidence=evidence),
        patient_reference="Patient/p1",
        implicated={"carisoprodol": "MedicationRequest/d1"},
    )
    validate_r4(issue)
    assert issue["status"] == "final"
    assert issue["code"]["coding"] == [
        {
            "system": "urn:myorelax:alert",
            "code": "MRX-DDI-003",
            "display": "Carisoprodol + Diazepam: additive sedation",
        }
    ]
    assert issue["detail"] == "Both depress the CNS."
    assert issue["mitigation"] == [{"action": {"text": "Avoid the combination."}}]
    assert issue["patient"] == {"reference": "Patient/p1"}
    assert issue["implicated"] == [
        {"reference": "MedicationRequest/d1", "display": "carisoprodol"},
        {"display": "diazepam"},
    ]
    assert issue["reference"] == "https://example.org/a"
    assert issue["evidence"][0]["detail"][0]["display"] == (
        "Label A, section 7, https://example.org/a"
    )
    bare = detected_issue(_alert("minor", drugs=()))
    validate_r4(bare)
    assert "patient" not in bare and "implicated" not in bare and "reference" not in bare


def test_one_issue_per_alert_of_a_real_report() -> None:
    patient = patient_from_data({"age_years": 72, "sex": "female", "egfr_ml_min": 40})
    report = evaluate_regimen(patient, regimen_from(["baclofen 10 mg tid"]))
    assert isinstance(report, CheckReport) and report.alerts
    issues = detected_issues(report, patient_reference=None)
    assert [i["code"]["coding"][0]["code"] for i in issues] == [a.code for a in report.alerts]
    for issue in issues:
        validate_r4(issue)
    # The alerts' details carry markdown emphasis ('**CrCl**'); DetectedIssue.detail and
    # mitigation text are plain strings in R4, so the marks are dropped there.
    assert any("**" in a.detail for a in report.alerts)
    for issue in issues:
        texts = [issue["detail"], issue["code"]["text"], issue["mitigation"][0]["action"]["text"]]
        assert not any("**" in t or "`" in t for t in texts), texts


def test_validate_r4_rejects_invalid_resources() -> None:
    with pytest.raises(InputError, match="not a valid R4 DetectedIssue"):
        validate_r4({"resourceType": "DetectedIssue", "status": "final", "severity": 3.5, "x": 1})
    with pytest.raises(InputError) as exc:
        validate_r4({"resourceType": "NotAThing"})
    assert exc.value.field == "resourceType"
    with pytest.raises(InputError):
        validate_r4({"status": "final"})
