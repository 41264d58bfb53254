"""Audit findings on contraindications: every contraindicated condition and every matching
allergy of one drug is its own alert (a second one was silently merged away), and a liver
contraindication follows the Child-Pugh classes its label's wording covers (Child-Pugh A was
taken for "active hepatic disease")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.engine import deduplicate, evaluate_regimen

TODAY = date(2026, 12, 7)
BASE: dict[str, Any] = {
    "age_years": 50,
    "sex": "male",
    "weight_kg": 80,
    "scr_mg_dl": 1.0,
    "allergies": [],
}


def _check(orders: list[str], **patient: Any) -> CheckReport:
    data = {**BASE, **patient}
    return evaluate_regimen(
        patient_from_data(data), regimen_from(orders, [], start=TODAY), today=TODAY
    )


def _alerts(report: CheckReport, code: str) -> list[Alert]:
    return [a for a in report.alerts if a.code == code]


@pytest.mark.parametrize(
    ("order", "conditions", "expect"),
    [
        # Cyclobenzaprine tablets label, CONTRAINDICATIONS: hyperthyroidism; arrhythmias, heart
        # block or conduction disturbances.
        (
            "cyclobenzaprine 5 mg tid",
            ["hyperthyroidism", "arrhythmia"],
            ["hyperthyroidism", "arrhythmia"],
        ),
        # Orphenadrine ER label, CONTRAINDICATIONS: glaucoma; myasthenia gravis.
        (
            "orphenadrine 100 mg bid",
            ["glaucoma", "myasthenia gravis"],
            ["glaucoma", "myasthenia gravis"],
        ),
        # Metaxalone 800 mg label, CONTRAINDICATIONS: drug-induced, hemolytic or other anemias;
        # significantly impaired hepatic function (Child-Pugh C is within it).
        (
            "metaxalone 800 mg tid",
            ["hemolytic anemia"],
            ["anemia", "hepatic"],
        ),
    ],
)
def test_two_contraindicated_conditions_of_one_drug_are_two_alerts(
    order: str, conditions: list[str], expect: list[str]
) -> None:
    """Each contraindication the label lists is a separate reason not to give the drug; the
    second one must not disappear because the first already fired (MRX-CI-001)."""
    extra: dict[str, Any] = {"child_pugh": "C"} if order.startswith("metaxalone") else {}
    report = _check([order], conditions=conditions, **extra)
    summaries = [a.summary.lower() for a in _alerts(report, "MRX-CI-001")]
    assert len(summaries) == 2, summaries
    for word in expect:
        assert any(word in s for s in summaries), (word, summaries)


def test_one_contraindication_from_two_orders_of_the_drug_is_one_alert() -> None:
    """The same contraindicated condition found through two orders of one drug is one finding:
    deduplication still merges true duplicates (cyclobenzaprine label, CONTRAINDICATIONS:
    hyperthyroidism)."""
    report = _check(
        ["cyclobenzaprine 5 mg tid", "cyclobenzaprine 10 mg qhs"], conditions=["hyperthyroidism"]
    )
    assert len(_alerts(report, "MRX-CI-001")) == 1


def test_two_allergies_matching_one_drug_are_two_alerts() -> None:
    """An allergy to the drug itself and one to its class are two recorded reactions (label
    CONTRAINDICATIONS: hypersensitivity to cyclobenzaprine); each is shown (MRX-CI-002)."""
    report = _check(
        ["cyclobenzaprine 5 mg tid"], allergies=["cyclobenzaprine", "skeletal muscle relaxants"]
    )
    summaries = sorted(a.summary for a in _alerts(report, "MRX-CI-002"))
    assert len(summaries) == 2, summaries
    assert "cyclobenzaprine" in summaries[0].lower()
    assert "skeletal muscle relaxants" in summaries[1].lower()


def test_deduplicate_keeps_the_most_severe_of_one_finding_and_every_distinct_finding() -> None:
    """`deduplicate` merges one rule's identical finding about the same drugs (the most severe
    kept) and keeps findings the rule tells apart."""

    def alert(severity: Any, finding: str) -> Alert:
        return Alert(
            code="MRX-CI-001",
            severity=severity,
            summary=f"x {finding}",
            detail="d",
            drugs=("cyclobenzaprine",),
            mechanism="m",
            recommendation="r",
            finding=finding,
        )

    kept = deduplicate([alert("major", "a"), alert("contraindicated", "a"), alert("major", "b")])
    assert [(a.finding, a.severity) for a in kept] == [("a", "contraindicated"), ("b", "major")]
    assert "finding" not in kept[0].model_dump(), "the finding is identity, not part of the JSON"


def test_diazepam_child_pugh_a_is_not_contraindicated_but_adjusted() -> None:
    """Valium label, CONTRAINDICATIONS: severe hepatic insufficiency (Child-Pugh C). Class A is
    mild: the label's hepatic advice (CLINICAL PHARMACOLOGY, longer half-life) applies as
    MRX-HEP-001, not a contraindication."""
    report = _check(["diazepam 5 mg tid"], child_pugh="A")
    assert not _alerts(report, "MRX-CI-001")
    hep = _alerts(report, "MRX-HEP-001")
    assert hep and hep[0].severity == "moderate"


def test_diazepam_child_pugh_c_is_contraindicated() -> None:
    """Valium label, CONTRAINDICATIONS: severe hepatic insufficiency, read as Child-Pugh C."""
    report = _check(["diazepam 5 mg tid"], child_pugh="C")
    ci = _alerts(report, "MRX-CI-001")
    assert ci and "severe hepatic insufficiency" in ci[0].summary.lower()


def test_diazepam_liver_disease_without_class_is_contraindicated_and_says_so() -> None:
    """A liver disease recorded with no Child-Pugh class could be severe: the cautious reading
    keeps the Valium contraindication (CONTRAINDICATIONS) and says the class is missing."""
    report = _check(["diazepam 5 mg tid"], conditions=["cirrhosis"])
    ci = _alerts(report, "MRX-CI-001")
    assert ci and "no Child-Pugh class recorded" in ci[0].detail


@pytest.mark.parametrize(("child_pugh", "contraindicated"), [("A", False), ("B", True)])
def test_metaxalone_significant_hepatic_impairment_is_child_pugh_b_or_c(
    child_pugh: str, contraindicated: bool
) -> None:
    """Metaxalone 800 mg label, CONTRAINDICATIONS: "significantly impaired hepatic function",
    no class given; read conservatively as Child-Pugh B or C. Class A gets the caution of the
    640 mg label (5.3) only."""
    report = _check(["metaxalone 800 mg tid"], child_pugh=child_pugh)
    assert bool(_alerts(report, "MRX-CI-001")) is contraindicated
    hep = _alerts(report, "MRX-HEP-001")
    assert hep and hep[0].severity == ("contraindicated" if contraindicated else "moderate")


def test_dantrolene_child_pugh_a_keeps_the_active_liver_disease_contraindication() -> None:
    """Dantrium capsules label, CONTRAINDICATIONS: active hepatic disease such as hepatitis and
    cirrhosis. A Child-Pugh class grades a cirrhosis, so even class A is within the label's
    words (unlike the severity-worded diazepam and metaxalone contraindications)."""
    report = _check(["dantrolene 25 mg daily"], child_pugh="A")
    assert _alerts(report, "MRX-CI-001")
