"""Medication lines as people write them: combination strengths, counts after the strength,
RxNorm names copied from an EHR, codes; and the lenient reading of current medications."""

from __future__ import annotations

import pytest

from myorelax.clinical.inputs import medication_orders
from myorelax.clinical.sig import parse_medication, parse_sig
from myorelax.errors import InputError, SigParseError


def doses(text: str) -> list[tuple[str, float | None]]:
    return [(o.drug, o.dose_mg) for o in parse_medication(text).orders]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Percocet 5/325 1 tablet q6h prn", [("acetaminophen", 325), ("oxycodone", 5)]),
        ("Percocet 5/325 2 tabs q6h prn", [("acetaminophen", 650), ("oxycodone", 10)]),
        ("Norco 10-325 mg q6h prn", [("acetaminophen", 325), ("hydrocodone", 10)]),
        ("oxycodone/acetaminophen 5/325 mg q6h prn", [("oxycodone", 5), ("acetaminophen", 325)]),
        (
            "hydrocodone-acetaminophen 10-325 mg 1 tab q6h",
            [("hydrocodone", 10), ("acetaminophen", 325)],
        ),
        (
            "levonorgestrel/ethinyl estradiol 0.15/0.03 mg daily",
            [("levonorgestrel", 0.15), ("ethinyl estradiol", 0.03)],
        ),
        ("oxycodone 5 mg/acetaminophen 325 mg q6h", [("oxycodone", 5), ("acetaminophen", 325)]),
        (
            "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet [Percocet] 1 tab q6h prn",
            [("acetaminophen", 325), ("oxycodone", 5)],
        ),
        (
            "Soma Compound with Codeine 2 tabs qid",
            [("aspirin", 650), ("carisoprodol", 400), ("codeine", 32)],
        ),
        ("Norgesic Forte 1 tab tid", [("orphenadrine", 50), ("aspirin", 770), ("caffeine", 60)]),
        ("tiZANidine 4 mg tid", [("tizanidine", 4)]),
        ("994226 1 tab qid", [("aspirin", 325), ("carisoprodol", 200), ("codeine", 16)]),
    ],
)
def test_combination_lines(text: str, expected: list[tuple[str, float]]) -> None:
    assert doses(text) == expected


def test_every_ingredient_shares_the_schedule_and_names_the_product() -> None:
    orders = parse_medication("Percocet 5/325 1 tablet q6h prn").orders
    assert {(o.frequency.code if o.frequency else None, o.prn) for o in orders} == {("q6h", True)}
    assert all(o.components == ("acetaminophen", "oxycodone") for o in orders)
    assert all(o.product == "Percocet" for o in orders)


def test_strengths_that_match_no_product_are_said_not_guessed() -> None:
    with pytest.raises(SigParseError, match="could not be matched"):
        parse_medication("Percocet 7/400 q6h")
    line = parse_medication("Percocet 7/400 q6h", lenient=True)
    assert [o.dose for o in line.orders] == [None, None]
    assert "could not be matched" in line.problems[0]


def test_parse_sig_takes_the_one_ingredient_with_a_monograph() -> None:
    assert parse_sig("Soma Compound with Codeine 1 tab qid").drug == "carisoprodol"
    with pytest.raises(SigParseError, match="name the one ingredient"):
        parse_sig("Percocet 5/325 1 tab q6h")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("fooxetine 20 mg daily", "unknown_drug"),
        ("Percocet 5/325 every now and then", "unparsed_dose"),
        ("baclofen", "no_dose"),
    ],
)
def test_current_medications_are_never_refused_and_never_silent(text: str, reason: str) -> None:
    orders, notes = medication_orders(text, field="medications[0]")
    assert [n.reason for n in notes] == [reason]
    if reason != "unknown_drug":
        assert orders  # the drug still takes part in every rule


def test_a_brand_alone_is_the_drug_only_with_nothing_to_report() -> None:
    orders, notes = medication_orders("Yaz", field="medications[0]")
    assert [o.drug for o in orders] == ["drospirenone", "ethinyl estradiol"]
    assert notes == ()


def test_orders_stay_strict() -> None:
    with pytest.raises(InputError):
        parse_medication("Percocet 5/325 every now and then")


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("dantrolene 25 mg capsule bid", "oral"),
        ("dantrolene 25 mg oral capsule bid", "oral"),
        ("baclofen 10 mg tab tid", "oral"),
        ("dantrolene 25 mg bid", None),
        ("dantrolene 70 mg iv once", "intravenous"),
    ],
)
def test_a_form_word_after_the_dose_is_read_as_oral(text: str, route: str | None) -> None:
    order = parse_sig(text)
    assert order.route == route
    assert order.tablets is None


# -- names as prescribers shorten them (found by typing common co-medications) ---------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RxNorm's 'Tylenol with Codeine #3' written as prescribers do: the codeine was missed
        # ('Tylenol' alone is acetaminophen), so a relaxant's opioid alerts did not fire.
        ("Tylenol #3 1 tab q4h prn", [("acetaminophen", 300), ("codeine", 30)]),
        ("Tylenol #4 2 tabs q4h prn", [("acetaminophen", 600), ("codeine", 120)]),
        ("Tylenol with Codeine #3 1 tab q4h prn", [("acetaminophen", 300), ("codeine", 30)]),
        ("Tylenol #3 #30 1 tab q6h prn", [("acetaminophen", 300), ("codeine", 30)]),
        # 'w/' for 'with'
        ("Tylenol w/ codeine #3 1 tab q4h prn", [("acetaminophen", 300), ("codeine", 30)]),
        ("APAP w/codeine 300/30 1 tab q4h prn", [("acetaminophen", 300), ("codeine", 30)]),
        # a count range right after a name whose strength is known is a count, not strengths
        ("Tylenol #4 1-2 tab q4h prn", [("acetaminophen", 600), ("codeine", 120)]),
        ("Norco 5-325 tab q6h prn", [("acetaminophen", 325), ("hydrocodone", 5)]),
        # a dispense quantity after the name is still a quantity
        ("baclofen #30 10 mg tid", [("baclofen", 10)]),
        # an older RxNorm synonym of the ingredient is not a second ingredient
        ("Zovirax 400 mg tid", [("acyclovir", 400)]),
        ("Dilantin 100 mg tid", [("phenytoin", 100)]),
        # a bare number after a brand made in that strength is that strength ('Soma 350')
        ("Soma 350 1 tab tid", [("carisoprodol", 350)]),
        ("Robaxin 750 2 tabs qid", [("methocarbamol", 1500)]),
        ("Skelaxin 800 tid", [("metaxalone", 800)]),
        ("Zanaflex 4 tid", [("tizanidine", 4)]),
        # a release suffix of a brand the index does not list
        ("Wellbutrin XL 300 mg daily", [("bupropion", 300)]),
        ("Cardizem CD 180 mg daily", [("diltiazem", 180)]),
    ],
)
def test_shortened_names(text: str, expected: list[tuple[str, float]]) -> None:
    assert sorted(doses(text)) == sorted(expected)


@pytest.mark.parametrize("text", ["Soma 300 tid", "baclofen 10 tid"])
def test_a_bare_number_that_is_no_strength_of_the_product_is_refused(text: str) -> None:
    """A number without its unit is a strength only when the named brand is made in it; a
    generic name, or a strength the brand is not made in, still needs the unit."""
    with pytest.raises(SigParseError, match="a dose needs a unit"):
        parse_medication(text)


def test_a_brand_s_strengths_are_named_when_a_bare_number_is_none_of_them() -> None:
    with pytest.raises(
        SigParseError, match=r"300 is not a strength Soma is made in \(carisoprodol"
    ):
        parse_medication("Soma 300 tid")


def test_a_line_read_with_w_spelled_out_keeps_its_words() -> None:
    """'w/' is read as 'with'; the orders show the line as it was written, not the rewrite."""
    line = parse_medication("Tylenol w/ codeine #3 1 tab q6h prn")
    assert line.text == "Tylenol w/ codeine #3 1 tab q6h prn"
    assert {o.text for o in line.orders} == {"Tylenol w/ codeine #3 1 tab q6h prn"}
