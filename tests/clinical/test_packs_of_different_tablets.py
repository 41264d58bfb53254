"""RxNorm packs whose tablets differ (Paxlovid: nirmatrelvir tablets and ritonavir tablets,
taken together; 'Fe' contraceptive packs with iron tablets).

Before, 'Paxlovid' was 'not a drug known here' (its pack name, '... Pack [Paxlovid 5-Day]',
gave the brand 'Paxlovid 5-Day' only), so the ritonavir it boosts with, a strong CYP3A4
inhibitor, was not checked against diazepam. And a pack's components each kept their tablet's
strength, so 'Paxlovid 3 tabs bid' read as 450 mg nirmatrelvir and 300 mg ritonavir a dose.
"""

from __future__ import annotations

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import medication_orders, patient_from_data, regimen_from
from myorelax.knowledge.products import brand_keys
from myorelax.knowledge.rxnames import NameComponent, parse_rxnorm_name
from myorelax.safety.engine import evaluate_regimen

PAXLOVID = (
    "{20 (nirmatrelvir 150 MG Oral Tablet) / 10 (ritonavir 100 MG Oral Tablet) } Pack "
    "[Paxlovid 5-Day]"
)


def test_a_pack_of_different_tablets_gives_no_strength_per_tablet() -> None:
    parsed = parse_rxnorm_name(PAXLOVID)
    assert parsed is not None and parsed.pack
    assert parsed.components == (NameComponent("nirmatrelvir"), NameComponent("ritonavir"))
    # a pack whose active tablets all hold the same drug keeps its strength (placebo tablets
    # are not active)
    yaz = parse_rxnorm_name(
        "{24 (drospirenone 3 MG / ethinyl estradiol 0.02 MG Oral Tablet) / 4 (inert "
        "ingredients 1 MG Oral Tablet) } Pack [Yaz 28 Day]"
    )
    assert yaz is not None
    assert yaz.components == (
        NameComponent("drospirenone", 3.0, "MG"),
        NameComponent("ethinyl estradiol", 0.02, "MG"),
    )


@pytest.mark.parametrize(
    ("brand", "short"), [("Paxlovid 5-Day", "paxlovid"), ("Paxlovid Dose Pack", "paxlovid")]
)
def test_a_day_count_or_dose_pack_suffix_is_also_the_brand(brand: str, short: str) -> None:
    assert short in brand_keys(brand)


def test_paxlovid_is_read_as_its_two_ingredients() -> None:
    orders, notes = medication_orders("Paxlovid", field="m")
    assert sorted(o.drug for o in orders) == ["nirmatrelvir", "ritonavir"]
    assert not [n for n in notes if n.reason in ("unknown_drug", "unknown_component")]


def test_a_tablet_count_of_paxlovid_is_not_a_dose_of_each() -> None:
    orders, notes = medication_orders("Paxlovid 3 tabs bid", field="m")
    assert sorted(o.drug for o in orders) == ["nirmatrelvir", "ritonavir"]
    assert all(o.daily_dose_mg is None for o in orders)
    (note,) = [n for n in notes if n.reason == "unparsed_dose"]
    assert "pack of different tablets" in note.detail


def test_diazepam_with_paxlovid_raises_the_ritonavir_interaction() -> None:
    """Ritonavir is a strong CYP3A4 inhibitor (FDA table of CYP inhibitors); diazepam is cleared
    by CYP3A4 and CYP2C19 (Valium label, section 7)."""
    patient = patient_from_data(
        {"age_years": 50, "egfr_ml_min": 90, "allergies": [], "medications": ["Paxlovid"]}
    )
    report = evaluate_regimen(patient, regimen_from(["diazepam 5 mg tid"], []), kb=load_knowledge())
    assert any(set(a.drugs) == {"diazepam", "ritonavir"} for a in report.alerts)
