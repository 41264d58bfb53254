"""Audit findings on the liver and kidney checks: cyclobenzaprine's hepatic advice follows the
order's formulation (immediate- or extended-release), and the methocarbamol injection is
contraindicated in renal pathology (polyethylene glycol 300 vehicle) while the tablets are not."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.knowledge.loader import load_knowledge
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.checks.organ import order_release
from myorelax.safety.engine import evaluate_regimen

TODAY = date(2026, 12, 7)
BASE: dict[str, Any] = {"age_years": 50, "sex": "male", "weight_kg": 80, "allergies": []}


def _check(orders: list[str], **patient: Any) -> CheckReport:
    return evaluate_regimen(
        patient_from_data({**BASE, **patient}),
        regimen_from(orders, [], start=TODAY),
        today=TODAY,
    )


def _alerts(report: CheckReport, code: str) -> list[Alert]:
    return [a for a in report.alerts if a.code == code]


def test_immediate_release_cyclobenzaprine_in_mild_impairment_gets_the_tablet_advice() -> None:
    """Cyclobenzaprine tablets label, DOSAGE AND ADMINISTRATION (Use in Hepatically Impaired):
    mild impairment, start at 5 mg and titrate slowly. The AMRIX (extended-release) warning is
    not about tablets."""
    report = _check(
        ["cyclobenzaprine 5 mg tid"],
        age_years=70,
        sex="female",
        weight_kg=70,
        scr_mg_dl=0.9,
        child_pugh="A",
    )
    hep = _alerts(report, "MRX-HEP-001")
    assert len(hep) == 1
    assert hep[0].severity == "moderate"
    assert "start at 5 mg" in hep[0].summary
    assert "AMRIX" not in hep[0].summary + hep[0].detail


@pytest.mark.parametrize("order", ["Amrix 15 mg daily", "cyclobenzaprine ER 15 mg daily"])
def test_extended_release_cyclobenzaprine_in_mild_impairment_is_not_recommended(
    order: str,
) -> None:
    """AMRIX label, section 2: not recommended in any degree of hepatic impairment."""
    hep = _alerts(_check([order], scr_mg_dl=1.0, child_pugh="A"), "MRX-HEP-001")
    assert hep and hep[0].severity == "major" and "AMRIX" in hep[0].summary


def test_immediate_release_cyclobenzaprine_in_moderate_impairment_is_not_recommended() -> None:
    """Cyclobenzaprine tablets label, DOSAGE AND ADMINISTRATION: not recommended in moderate
    to severe hepatic impairment."""
    hep = _alerts(
        _check(["cyclobenzaprine 5 mg tid"], scr_mg_dl=1.0, child_pugh="B"), "MRX-HEP-001"
    )
    assert hep and hep[0].severity == "major" and "not recommended" in hep[0].summary


def test_cyclobenzaprine_of_unknown_formulation_gets_the_conservative_advice_and_says_so() -> None:
    """A dose no single formulation is made in (20 mg) does not tell IR from ER: the AMRIX
    advice (section 2, the most restrictive) is given and the alert says the formulation is not
    known."""
    hep = _alerts(
        _check(["cyclobenzaprine 20 mg daily"], scr_mg_dl=1.0, child_pugh="A"), "MRX-HEP-001"
    )
    assert hep and hep[0].severity == "major"
    assert "formulation not stated" in hep[0].summary
    assert "formulation is not known" in hep[0].detail


@pytest.mark.parametrize(
    ("text", "release"),
    [
        ("Flexeril 10 mg tid", "immediate"),
        ("Amrix 30 mg daily", "extended"),
        ("cyclobenzaprine ER 15 mg daily", "extended"),
        ("cyclobenzaprine IR 10 mg tid", "immediate"),
        ("cyclobenzaprine 7.5 mg tid", "immediate"),
        ("cyclobenzaprine 20 mg daily", None),
    ],
)
def test_order_release_reads_brand_words_and_strength(text: str, release: str | None) -> None:
    """The formulation of an order: a brand of one product (Flexeril tablets, AMRIX capsules),
    ER/IR in the text, or a strength only one form is made in (tablets 5, 7.5, 10 mg;
    capsules 15, 30 mg; tablets label and AMRIX label, DESCRIPTION / section 3)."""
    drug = load_knowledge().drugs["cyclobenzaprine"]
    order = regimen_from([text], []).orders[0]
    assert order_release(drug, order)[0] == release


@pytest.mark.parametrize(
    ("order", "patient"),
    [
        ("methocarbamol 1000 mg IV q8h", {"crcl_ml_min": 20}),
        (
            "methocarbamol 1000 mg IV q8h",
            {"conditions": ["chronic kidney disease"], "crcl_ml_min": 40},
        ),
        ("methocarbamol 1000 mg IM once", {"egfr_ml_min": 45}),
        ("methocarbamol 1000 mg IV q8h", {"dialysis": True}),
    ],
)
def test_methocarbamol_injection_is_contraindicated_in_renal_pathology(
    order: str, patient: dict[str, Any]
) -> None:
    """Robaxin injectable label, CONTRAINDICATIONS: known or suspected renal pathology (the
    polyethylene glycol 300 vehicle). Renal pathology: a kidney condition recorded, dialysis, or
    a GFR below 60 mL/min (KDIGO 2012, Table 2; the label gives no number)."""
    ci = _alerts(_check([order], **patient), "MRX-CI-001")
    assert ci and ci[0].severity == "contraindicated"
    assert "renal pathology" in ci[0].summary


def test_methocarbamol_tablets_are_not_contraindicated_in_renal_impairment() -> None:
    """The renal-pathology contraindication is the injection's (its PEG 300 vehicle); the
    tablets label has none."""
    report = _check(["methocarbamol 750 mg po tid"], crcl_ml_min=20)
    assert not _alerts(report, "MRX-CI-001")


def test_methocarbamol_injection_with_normal_kidney_function_is_not_contraindicated() -> None:
    """CrCl about 100 mL/min and eGFR about 90: no renal pathology by the reading used."""
    assert not _alerts(_check(["methocarbamol 1000 mg IV q8h"], scr_mg_dl=1.0), "MRX-CI-001")


def test_methocarbamol_injection_with_unknown_kidney_function_is_not_checked() -> None:
    """With no kidney function and no kidney condition, whether the injection is contraindicated
    (Robaxin injectable, CONTRAINDICATIONS) cannot be decided: it is listed as not checked."""
    report = _check(["methocarbamol 1000 mg IV q8h"])
    assert not _alerts(report, "MRX-CI-001")
    assert any(
        n.reason == "missing_kidney_function"
        and "renal pathology" in n.detail
        and "methocarbamol by IV/IM" in n.detail
        for n in report.not_checked
    )


def test_methocarbamol_of_unstated_route_in_kidney_disease_is_said_not_assumed() -> None:
    """An order with no route is most often the tablets, which the injection's contraindication
    (Robaxin injectable, CONTRAINDICATIONS: renal pathology) does not concern: no contraindication
    is asserted, and the unchecked route is said, naming the kidney finding."""
    report = _check(["methocarbamol 750 mg tid"], conditions=["ckd"])
    assert not _alerts(report, "MRX-CI-001")
    said = [n for n in report.not_checked if n.reason == "missing_route"]
    assert said and "renal pathology" in said[0].detail and "IV/IM" in said[0].detail
    assert not [
        n
        for n in _check(["methocarbamol 750 mg po tid"], conditions=["ckd"]).not_checked
        if n.reason == "missing_route"
    ]


def test_between_kidney_bands_of_one_grade_the_conservative_advice_leads_and_both_are_said() -> (
    None
):
    """Baclofen at CrCl 15 with no eGFR: the study-based band (reduce by two thirds, CrCl < 30)
    and the case report's (avoid below eGFR 30) are both major; the check showed only the
    reduction while the titration plan showed both. Sources disagree: the conservative one
    (avoid) leads and the other is kept in the text."""
    report = _check(["baclofen 5 mg tid"], crcl_ml_min=15)
    (renal,) = [a for a in report.alerts if a.code == "MRX-RENAL-001"]
    assert "Avoid baclofen" in renal.summary
    assert "reduce the dose by about two thirds" in renal.detail
