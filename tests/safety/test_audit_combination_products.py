"""Combination products and CYP1A2 inhibitors in the checks (audit findings).

A dose that is whole tablets of a product that exists can be made, whatever the strengths of the
single-ingredient tablets; a strength no product has still raises MRX-DOSE-005. An oral
contraceptive written by its brand and strength ('Loestrin 1/20') is a CYP1A2 inhibitor the
tizanidine label reaches (Zanaflex 7.4).
"""

from __future__ import annotations

from typing import Any

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen

PATIENT: dict[str, Any] = {
    "age_years": 50,
    "sex": "male",
    "weight_kg": 80,
    "scr_mg_dl": 1.0,
    "allergies": [],
}


def codes(orders: list[str], **patient: Any) -> set[tuple[str, tuple[str, ...]]]:
    report = evaluate_regimen(patient_from_data({**PATIENT, **patient}), regimen_from(orders))
    return {(a.code, tuple(sorted(a.drugs))) for a in report.alerts}


def test_one_tablet_of_soma_compound_with_codeine_can_be_made() -> None:
    """Carisoprodol 200 mg is one tablet of Soma Compound with Codeine (with aspirin 325 mg
    and codeine 16 mg, RxNorm 994228): no single-ingredient strength is needed to make it."""
    got = codes(["Soma Compound with Codeine 1 tab qid"])
    assert not any(code == "MRX-DOSE-005" for code, _ in got)


def test_a_combination_written_by_its_ingredients_can_be_made() -> None:
    """'carisoprodol/aspirin/codeine 200/325/16' is the same tablet written out."""
    got = codes(["carisoprodol/aspirin/codeine 200/325/16 1 tab qid"])
    assert not any(code == "MRX-DOSE-005" for code, _ in got)


def test_a_strength_no_product_has_still_raises_dose_005() -> None:
    """Carisoprodol comes as 250 and 350 mg tablets (SOMA label section 3); 300 mg is no tablet
    of any product, so the alert stays."""
    assert ("MRX-DOSE-005", ("carisoprodol",)) in codes(["carisoprodol 300 mg tid"])


def test_an_oral_contraceptive_by_brand_and_strength_reaches_tizanidine() -> None:
    """'Loestrin 1/20' is RxNorm's brand 'Loestrin 1/20 21 Day' (ethinyl estradiol 0.02 mg /
    norethindrone acetate 1 mg); its estrogen is a CYP1A2 inhibitor (Zanaflex 7.4)."""
    got = codes(
        ["tizanidine 2 mg tid"],
        sex="female",
        age_years=30,
        pregnant=False,
        lactating=False,
        medications=["Loestrin 1/20 1 tab daily"],
    )
    assert ("MRX-DDI-001", ("ethinyl estradiol", "tizanidine")) in got
