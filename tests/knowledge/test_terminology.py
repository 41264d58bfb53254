"""Names people type resolve to the right ingredient; anything else is an error with hints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myorelax.errors import UnknownDrugError
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import normalize_name, resolve_drug

BRANDS = {
    "Soma": "carisoprodol",
    "Pain O Soma": "carisoprodol",
    "Lioresal": "baclofen",
    "Gablofen": "baclofen",
    "Ozobax": "baclofen",
    "Fleqsuvy": "baclofen",
    "Lyvispah": "baclofen",
    "Zanaflex": "tizanidine",
    "Flexeril": "cyclobenzaprine",
    "Amrix": "cyclobenzaprine",
    "Fexmid": "cyclobenzaprine",
    "Robaxin": "methocarbamol",
    "Skelaxin": "metaxalone",
    "Metaxall": "metaxalone",
    "Parafon Forte": "chlorzoxazone",
    "Lorzone": "chlorzoxazone",
    "Norflex": "orphenadrine",
    "Dantrium": "dantrolene",
    "Revonto": "dantrolene",
    "Ryanodex": "dantrolene",
    "Valium": "diazepam",
}


@pytest.mark.parametrize(("brand", "ingredient"), sorted(BRANDS.items()))
def test_every_brand_resolves(brand: str, ingredient: str) -> None:
    assert resolve_drug(brand).ingredient.id == ingredient
    assert resolve_drug(brand.upper()).ingredient.id == ingredient


@pytest.mark.parametrize(
    "text", ["pain-o-soma", "PainOSoma", "PAIN O SOMA", "Pain o' Soma", "  pain o soma  "]
)
def test_spacing_case_and_hyphens_do_not_matter(text: str) -> None:
    assert resolve_drug(text).ingredient.id == "carisoprodol"


@pytest.mark.parametrize(
    ("text", "ingredient"),
    [
        ("orphenadrine citrate", "orphenadrine"),
        ("dantrolene sodium", "dantrolene"),
        ("tizanidine hydrochloride", "tizanidine"),
        ("tizanidine HCl", "tizanidine"),
        ("cyclobenzaprine hydrochloride", "cyclobenzaprine"),
        ("Soma 350", "carisoprodol"),
        ("Soma 350 mg", "carisoprodol"),
        ("baclofen 10mg tablet", "baclofen"),
        ("Amrix 15 mg ER capsule", "cyclobenzaprine"),
    ],
)
def test_salts_and_strength_text_resolve(text: str, ingredient: str) -> None:
    assert resolve_drug(text).ingredient.id == ingredient


def test_rxcui_resolves(kb: KnowledgeBase) -> None:
    for drug in kb.drugs.values():
        assert resolve_drug(drug.identifiers.rxcui.value).ingredient.id == drug.id


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("baclophen", "baclofen"),
        ("tizanadine", "tizanidine"),
        ("carisoprodal", "carisoprodol"),
        ("cyclobenzeprine", "cyclobenzaprine"),
        ("methocarbomol", "methocarbamol"),
    ],
)
def test_typos_are_errors_with_suggestions(typo: str, suggestion: str) -> None:
    with pytest.raises(UnknownDrugError) as info:
        resolve_drug(typo)
    assert info.value.suggestions[0] == suggestion
    assert f"did you mean {suggestion}" in str(info.value)


def test_unknown_name_says_so_and_lists_close_names() -> None:
    with pytest.raises(UnknownDrugError, match="unknown drug 'xyzzy'"):
        resolve_drug("xyzzy")
    with pytest.raises(UnknownDrugError) as info:
        resolve_drug("somma")
    assert "carisoprodol" in " ".join(info.value.suggestions)


def test_unknown_rxcui_is_an_error() -> None:
    with pytest.raises(UnknownDrugError):
        resolve_drug("999999999")


def test_every_class_member_resolves_by_name(kb: KnowledgeBase) -> None:
    for group in kb.groups.values():
        for member in group.members:
            resolved = resolve_drug(member.name).ingredient
            assert resolved.rxcui == (member.rxcui or ""), member.name
            assert group.id in resolved.groups or resolved.has_monograph
            for brand in member.brands:
                assert resolve_drug(brand).ingredient.rxcui or member.rxcui is None, brand


def test_class_members_resolve_with_their_classes() -> None:
    cipro = resolve_drug("Ciprofloxacin").ingredient
    assert "cyp1a2_inhibitors_strong" in cipro.groups
    assert not cipro.has_monograph
    bup = resolve_drug("buprenorphine").ingredient
    assert "opioids" in bup.groups and "oud_treatment" in bup.flags


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz -'.", max_size=30))
def test_resolution_never_crashes(text: str) -> None:
    """Any text either resolves or raises UnknownDrugError; nothing else escapes."""
    try:
        resolve_drug(text)
    except UnknownDrugError as exc:
        message = str(exc)
    else:
        message = "unknown drug (resolved)"
    assert "unknown drug" in message


@given(st.sampled_from(sorted(BRANDS)), st.sampled_from(["", " ", "-"]))
def test_normalization_ignores_separators(brand: str, sep: str) -> None:
    assert normalize_name(brand.replace(" ", sep)) == normalize_name(brand)
