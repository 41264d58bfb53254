"""The one medication resolver: every way a drug is written or coded, to its ingredients.

Cases derived from the index itself (not from a hand list): every brand of an interacting drug
in the knowledge base, every Tall Man synonym and combination product the index holds, fire
the same rule as the bare ingredient."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myorelax.errors import UnknownDrugError
from myorelax.knowledge.terminology import default_terminology

TERM = default_terminology()


def ids(text: str) -> list[str]:
    return [m.ingredient.id for m in TERM.resolve_medication(text).ingredients]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Yaz", ["drospirenone", "ethinyl estradiol"]),
        ("Percocet", ["acetaminophen", "oxycodone"]),
        ("Norco", ["acetaminophen", "hydrocodone"]),
        ("Xanax", ["alprazolam"]),
        ("Luvox", ["fluvoxamine"]),
        ("Cipro", ["ciprofloxacin"]),
        ("Nardil", ["phenelzine"]),
        ("Antabuse", ["disulfiram"]),
        ("Neurontin", ["gabapentin"]),
        ("Lyrica", ["pregabalin"]),
        ("Ambien", ["zolpidem"]),
        ("tiZANidine", ["tizanidine"]),
        ("hydroXYzine", ["hydroxyzine"]),
        ("Norgesic Forte", ["orphenadrine", "aspirin", "caffeine"]),
        ("Vicoprofen", ["hydrocodone", "ibuprofen"]),
        ("Soma Compound with Codeine", ["aspirin", "carisoprodol", "codeine"]),
        (
            "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet [Percocet]",
            ["acetaminophen", "oxycodone"],
        ),
        (
            "levonorgestrel 0.15 MG / ethinyl estradiol 0.03 MG Oral Tablet",
            ["levonorgestrel", "ethinyl estradiol"],
        ),
        ("994226", ["aspirin", "carisoprodol", "codeine"]),  # SCD
        ("748856", ["drospirenone", "ethinyl estradiol"]),  # BPCK (Yaz)
        ("57258", ["tizanidine"]),  # IN
        ("151539", ["albuterol", "ipratropium"]),  # BN (Combivent)
    ],
)
def test_names_brands_products_and_codes(written: str, expected: list[str]) -> None:
    assert ids(written) == expected


def test_a_combination_product_keeps_each_strength() -> None:
    m = TERM.resolve_medication(
        "aspirin 325 MG / carisoprodol 200 MG / codeine phosphate 16 MG Oral Tablet"
    )
    assert [(x.ingredient.id, x.strength, x.unit) for x in m.ingredients] == [
        ("aspirin", 325.0, "mg"),
        ("carisoprodol", 200.0, "mg"),
        ("codeine", 16.0, "mg"),
    ]


def test_a_brand_family_keeps_its_strength_variants() -> None:
    m = TERM.resolve_medication("Percocet")
    assert m.product is None  # several products
    strengths = {tuple(sorted((x.ingredient.id, x.strength) for x in v)) for v in m.variants}
    assert (("acetaminophen", 325.0), ("oxycodone", 5.0)) in strengths


def test_an_unknown_name_gets_suggestions_never_a_guess() -> None:
    with pytest.raises(UnknownDrugError, match="did you mean fluoxetine"):
        TERM.resolve_medication("fooxetine")
    with pytest.raises(UnknownDrugError, match="load an RxNorm release"):
        TERM.resolve_medication("99999999")


def test_an_ingredient_no_rule_uses_is_known_and_in_no_class() -> None:
    (m,) = TERM.resolve_medication("acetaminophen").ingredients
    assert (m.ingredient.id, m.ingredient.groups, m.ingredient.has_monograph) == (
        "acetaminophen",
        (),
        False,
    )


def _interacting_ids() -> set[str]:
    """Every ingredient the knowledge base names as an interaction partner (by drug or class)."""
    kb = TERM._kb
    groups = {x.object.group for d in kb.drugs.values() for x in d.interactions if x.object.group}
    out = {x.object.drug for d in kb.drugs.values() for x in d.interactions if x.object.drug}
    for g in groups:
        out |= {m.name for m in kb.groups[g].members}
    return {i for i in out if i}


def _index_cases() -> list[tuple[str, str]]:
    """(written form, ingredient) pairs from the product index: every brand and every Tall Man
    or branded product name whose ingredients include an interacting drug."""
    interacting = _interacting_ids()
    cases: dict[str, str] = {}
    for p in TERM.products:
        ings = [TERM.component_ingredient(c.name) for c in p.components]
        hits = [i.id for i in ings if i is not None and i.id in interacting]
        if not hits:
            continue
        if p.brand:
            cases.setdefault(p.brand, hits[0])
        if any(ch.isupper() for ch in p.name[1:6]) and p.name[:1].islower():  # Tall Man
            cases.setdefault(p.name, hits[0])
        if len(p.components) > 1 and p.kind == "drug":
            cases.setdefault(p.name, hits[0])
    return sorted(cases.items())


INDEX_CASES = _index_cases()


def test_the_index_derived_cases_are_many() -> None:
    assert len(INDEX_CASES) > 1000


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(INDEX_CASES))
def test_every_indexed_form_of_an_interacting_drug_resolves_to_it(case: tuple[str, str]) -> None:
    written, ingredient = case
    assert ingredient in ids(written), written


def _partner_of() -> dict[str, str]:
    """For each interacting ingredient, one monograph drug that interacts with it."""
    kb = TERM._kb
    out: dict[str, str] = {}
    for d in kb.drugs.values():
        for x in d.interactions:
            names = (
                [x.object.drug]
                if x.object.drug
                else [m.name for m in kb.groups[x.object.group].members]
                if x.object.group
                else []
            )
            for n in names:
                if n and n != d.id:
                    out.setdefault(n, d.id)
    return out


PARTNER = _partner_of()
ALERT_CASES = [(w, i) for w, i in INDEX_CASES if i in PARTNER]


def _alerts_with(med: str, order: str, ingredient: str) -> set[tuple[str, str]]:
    from myorelax.clinical.inputs import patient_from_data, regimen_from
    from myorelax.safety.engine import evaluate_regimen

    report = evaluate_regimen(
        patient_from_data({"age_years": 45, "medications": [med]}),
        regimen_from([f"{order} once"]),
    )
    return {(a.code, a.severity) for a in report.alerts if ingredient in a.drugs}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ALERT_CASES))
def test_brand_combination_and_tall_man_forms_fire_the_bare_ingredients_alerts(
    case: tuple[str, str],
) -> None:
    """Written as a brand, a combination product or in Tall Man letters, a co-medication raises
    the same interaction alerts as its bare ingredient (cases drawn from the product index)."""
    written, ingredient = case
    order = PARTNER[ingredient]
    bare = _alerts_with(ingredient, order, ingredient)
    assert bare, f"{order} with {ingredient} raises nothing"
    assert _alerts_with(written, order, ingredient) == bare, written


@pytest.mark.parametrize(
    ("written", "ingredient"),
    [
        # Found by comparing with RxNav's product-to-ingredient table (OMTK): RxNorm qualifiers
        # and salts that once hid an opioid.
        (
            "Abuse-Deterrent 12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet",
            "oxycodone",
        ),
        (
            "12 HR chlorpheniramine polistirex 8 MG / hydrocodone polistirex 10 MG Extended Release Oral Capsule",
            "hydrocodone",
        ),
        (
            "Matrix Delivery 24 HR tramadol hydrochloride 100 MG Extended Release Oral Tablet",
            "tramadol",
        ),
        ("morphine sulfate liposomal 10 MG/ML Injectable Suspension", "morphine"),
        ("NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector", "epinephrine"),
    ],
)
def test_rxnorm_qualifiers_and_salts_do_not_hide_the_ingredient(
    written: str, ingredient: str
) -> None:
    assert ingredient in ids(written)
