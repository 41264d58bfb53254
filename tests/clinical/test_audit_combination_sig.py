"""Combination products as people write them (audit findings): strengths after the ingredient
names are matched to the products of exactly those ingredients, a brand of several strengths
asks which one, and a brand whose name carries numbers ('Loestrin 1/20') is read whole."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import medication_orders
from myorelax.clinical.sig import parse_medication
from myorelax.errors import SigParseError


def doses(text: str) -> list[tuple[str, float | None]]:
    return [(o.drug, o.dose_mg) for o in parse_medication(text).orders]


def test_written_strengths_match_the_product_of_those_ingredients() -> None:
    """'a/b/c x/y/z' with no unit: the n-th strength belongs to the n-th ingredient, and the
    set must be a product of the index (Soma Compound with Codeine, 200/325/16 mg)."""
    assert doses("carisoprodol/aspirin/codeine 200/325/16 1 tab qid") == [
        ("carisoprodol", 200),
        ("aspirin", 325),
        ("codeine", 16),
    ]


def test_written_strengths_that_match_no_product_name_what_exists() -> None:
    """An unknown strength set is refused, and the error lists the strengths that exist, in
    the order the ingredients were written."""
    with pytest.raises(SigParseError) as err:
        parse_medication("carisoprodol/aspirin/codeine 200/325/17 1 tab qid")
    assert "200/325/16 mg" in err.value.message
    assert "carisoprodol/aspirin/codeine" in err.value.message


def test_generic_hydrocodone_acetaminophen_reads_like_norco() -> None:
    """A current medication written generically is read as its brand is: the doses are known,
    nothing is left unchecked."""
    orders, notes = medication_orders(
        "hydrocodone/acetaminophen 10/325 q6h prn", field="medications[0]"
    )
    assert notes == ()
    assert sorted((o.drug, o.dose_mg) for o in orders) == [
        ("acetaminophen", 325),
        ("hydrocodone", 10),
    ]


def test_a_brand_of_two_strengths_lists_both_on_one_line() -> None:
    """RxNorm files both Norgesic (25/385/30 mg) and Norgesic Forte (50/770/60 mg) under the
    brand 'Norgesic': '1 tab' of it is not one dose, so the error names both choices."""
    with pytest.raises(SigParseError) as err:
        parse_medication("Norgesic 1 tab tid")
    message = err.value.message
    assert "\n" not in message
    assert "385/30/25 mg" in message and "770/60/50 mg" in message


def test_the_strength_written_after_the_brand_chooses_one() -> None:
    """With the strength written, the Norgesic tablet is known."""
    assert sorted(doses("Norgesic 25/385/30 1 tab tid")) == [
        ("aspirin", 385),
        ("caffeine", 30),
        ("orphenadrine", 25),
    ]


def test_a_brand_whose_name_carries_numbers_is_read_whole() -> None:
    """'Loestrin 1/20' is a brand of the product index ('Loestrin 1/20 21 Day'); its numbers are
    part of the name, not strengths."""
    line = parse_medication("Loestrin 1/20 1 tab daily")
    assert [(o.drug, o.dose_mg) for o in line.orders] == [
        ("ethinyl estradiol", 0.02),
        ("norethindrone", 1.0),
    ]


def test_strengths_after_a_plain_brand_stay_strengths() -> None:
    """'Percocet 5/325' is not a brand name: 5/325 are the strengths."""
    assert doses("Percocet 5/325 1 tab q6h") == [("acetaminophen", 325), ("oxycodone", 5)]
