"""RxNorm name qualifiers ('Once-Daily', 'Sensor', '3-Bead', ...) and two salts of one
ingredient in one drug (Percodan's oxycodone hydrochloride and terephthalate)."""

from __future__ import annotations

import pytest

from myorelax.knowledge.rxnames import RXNORM_QUALIFIERS, NameComponent, parse_rxnorm_name
from myorelax.knowledge.terminology import default_terminology


@pytest.mark.parametrize(
    ("name", "ingredient", "qualifier", "quantity"),
    [
        ("Once-Daily gabapentin 300 MG Oral Tablet [Gralise]", "gabapentin", "Once-Daily", None),
        ("Sensor aripiprazole 10 MG Oral Tablet", "aripiprazole", "Sensor", None),
        (
            "Sensor 3 ML insulin glargine 100 UNT/ML Pen Injector",
            "insulin glargine",
            "Sensor",
            "3 ML",
        ),
        (
            "Sprinkle 24 HR topiramate 150 MG Extended Release Oral Capsule",
            "topiramate",
            "Sprinkle",
            "24 HR",
        ),
        ("Sprinkle duloxetine 20 MG Delayed Release Oral Capsule", "duloxetine", "Sprinkle", None),
        (
            "Osmotic 24 HR nifedipine 30 MG Extended Release Oral Tablet",
            "nifedipine",
            "Osmotic",
            "24 HR",
        ),
        (
            "Modified 24 HR metformin hydrochloride 1000 MG Extended Release Oral Tablet",
            "metformin hydrochloride",
            "Modified",
            "24 HR",
        ),
        (
            "Biphasic 12 HR hyoscyamine sulfate 0.375 MG Extended Release Oral Tablet",
            "hyoscyamine sulfate",
            "Biphasic",
            "12 HR",
        ),
        ("Micronized isotretinoin 16 MG Oral Capsule", "isotretinoin", "Micronized", None),
        ("PMDD fluoxetine 10 MG Oral Tablet", "fluoxetine", "PMDD", None),
        (
            "Matrix Delivery 24 HR tramadol hydrochloride 300 MG Extended Release Oral Tablet",
            "tramadol hydrochloride",
            "Matrix Delivery",
            "24 HR",
        ),
        (
            "Abuse-Deterrent 12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet"
            " [Oxycontin]",
            "oxycodone hydrochloride",
            "Abuse-Deterrent",
            "12 HR",
        ),
        (
            "1 MG Dose 1.5 ML semaglutide 1.34 MG/ML Pen Injector",
            "semaglutide",
            "1 MG Dose",
            "1.5 ML",
        ),
    ],
)
def test_qualifier_is_not_part_of_the_ingredient(
    name: str, ingredient: str, qualifier: str, quantity: str | None
) -> None:
    parsed = parse_rxnorm_name(name)
    assert parsed is not None
    assert [c.name for c in parsed.components] == [ingredient]
    assert parsed.qualifier == qualifier
    assert parsed.quantity == quantity


def test_qualifier_list_is_documented() -> None:
    assert {"Abuse-Deterrent", "Once-Daily", "Sensor", "3-Bead"} <= set(RXNORM_QUALIFIERS)


def test_three_bead_amphetamine_salts_merge() -> None:
    parsed = parse_rxnorm_name(
        "3-Bead 24 HR amphetamine aspartate 3.125 MG / amphetamine sulfate 3.125 MG / "
        "dextroamphetamine saccharate 3.125 MG / dextroamphetamine sulfate 3.125 MG "
        "Extended Release Oral Capsule [Mydayis]"
    )
    assert parsed is not None
    assert parsed.qualifier == "3-Bead"
    assert parsed.quantity == "24 HR"
    assert parsed.brand == "Mydayis"
    assert parsed.components == (
        NameComponent("amphetamine", 6.25, "MG"),
        NameComponent("dextroamphetamine", 6.25, "MG"),
    )


def test_qualified_pack_reads_each_drug() -> None:
    parsed = parse_rxnorm_name(
        "{9 (Once-Daily gabapentin 300 MG Oral Tablet [Gralise]) / 24 (Once-Daily gabapentin "
        "600 MG Oral Tablet [Gralise]) } Pack [Gralise Sample Pack]"
    )
    assert parsed is not None and parsed.pack
    assert parsed.components == (NameComponent("gabapentin"),)


def test_percodan_oxycodone_salts_are_one_ingredient() -> None:
    parsed = parse_rxnorm_name(
        "aspirin 325 MG / oxycodone hydrochloride 4.5 MG / oxycodone terephthalate 0.38 MG "
        "Oral Tablet"
    )
    assert parsed is not None
    assert parsed.components == (
        NameComponent("aspirin", 325.0, "MG"),
        NameComponent("oxycodone", 4.88, "MG"),
    )
    group = parse_rxnorm_name("Aspirin / Oxycodone Hydrochloride / oxycodone terephthalate Pill")
    assert group is not None
    assert [c.name for c in group.components] == ["Aspirin", "Oxycodone"]


@pytest.mark.parametrize(
    "name",
    [
        "Sodium Acetate 0.036 MEQ/ML / Sodium Chloride 0.013 MEQ/ML Injectable Solution",
        "Calcium Carbonate 220 MG / Calcium Gluconate 5 MG Oral Tablet",
        "magnesium citrate 45 MG / Magnesium Oxide 45 MG Extended Release Oral Tablet",
    ],
)
def test_salts_of_a_cation_stay_apart(name: str) -> None:
    parsed = parse_rxnorm_name(name)
    assert parsed is not None
    assert len(parsed.components) == 2


def test_single_salt_is_kept_as_written() -> None:
    parsed = parse_rxnorm_name("oxycodone hydrochloride 5 MG Oral Tablet")
    assert parsed is not None
    assert parsed.components == (NameComponent("oxycodone hydrochloride", 5.0, "MG"),)


@pytest.mark.parametrize(
    ("code", "ingredient", "group", "strength"),
    [
        ("1115012", "gabapentin", "gabapentinoids", 300.0),
        ("1115013", "gabapentin", "gabapentinoids", 600.0),
        ("1806380", "gabapentin", "gabapentinoids", 300.0),
        ("2398512", "gabapentin", "gabapentinoids", None),
        ("1998451", "aripiprazole", "antipsychotics", 10.0),
        ("637540", "oxycodone", "opioids", 4.88),
        ("724614", "oxycodone", "opioids", 2.44),
    ],
)
def test_codes_resolve_to_classed_ingredients(
    code: str, ingredient: str, group: str, strength: float | None
) -> None:
    match = default_terminology().resolve_code(code)
    assert not match.unresolved
    found = {m.ingredient.id: m for m in match.ingredients}
    assert group in found[ingredient].ingredient.groups
    assert found[ingredient].strength == strength
    assert all(m.ingredient.groups or m.ingredient.id == "aspirin" for m in match.ingredients)


def test_gralise_brand_is_gabapentin_only() -> None:
    match = default_terminology().resolve_medication("Gralise")
    assert [m.ingredient.id for m in match.ingredients] == ["gabapentin"]
