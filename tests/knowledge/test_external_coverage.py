"""Coverage of the resolver on public value sets written outside this project (../shared/external;
skipped when it is absent). The shares are printed (run with -s).

- CDC opioid-cds value sets and VSAC eCQM expansions: every RxNorm product they list, by code and
  by its display name as a clinician or EHR would send it.
- OMTK (the CDC opioid MME toolkit's drug-to-ingredient table, from RxNav): an independent
  mapping of product codes to ingredient codes, against which the resolver's own reading of
  the product name is compared.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from myorelax.errors import UnknownDrugError
from myorelax.knowledge.terminology import default_terminology

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "rxnorm"
pytestmark = pytest.mark.skipif(not EXTERNAL.exists(), reason="../shared/external is not present")


def _value_set_products() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted((EXTERNAL / "opioid-cds-r4-valuesets").glob("*.json")):
        vs = json.loads(path.read_text(encoding="utf-8"))
        for c in (vs.get("expansion") or {}).get("contains", []):
            if "rxnorm" in c.get("system", "") and c.get("display"):
                out.append((c["code"], c["display"]))
    with (
        EXTERNAL / "vsac-ecqm" / "canvas_ecqm_valuesets_muscle_relaxants_opioids_benzos.csv"
    ).open(encoding="utf-8") as f:
        out += [
            (r["code"], r["display"]) for r in csv.DictReader(f) if r["code_system"] == "RXNORM"
        ]
    return sorted(set(out))


def _share(ok: int, total: int) -> str:
    return f"{ok}/{total} ({ok / total:.1%})"


def test_value_set_products_resolve_by_code_and_by_name() -> None:
    term = default_terminology()
    products = _value_set_products()
    by_code = by_name = 0
    missed: list[str] = []
    for code, display in products:
        try:
            term.resolve_code(code)
            by_code += 1
        except UnknownDrugError:
            missed.append(f"{code} {display}")
        try:
            term.resolve_medication(display)
            by_name += 1
        except UnknownDrugError:
            missed.append(display)
    print(
        f"value-set products: {len(products)}; by RxCUI {_share(by_code, len(products))}, "
        f"by name {_share(by_name, len(products))}; missed: {missed[:5]}"
    )
    assert len(products) > 2000
    assert by_code / len(products) > 0.99
    assert by_name / len(products) > 0.98


def test_product_codes_map_to_the_ingredients_rxnav_gives() -> None:
    """OMTK lists, for each opioid product code, its opioid ingredient code (from RxNav). The
    resolver, reading only the product's name, must find that ingredient among the product's."""
    term = default_terminology()
    rows = list(csv.DictReader((EXTERNAL / "derived" / "omtk_opioid_drug_ingredients.csv").open()))
    agree = unknown = 0
    differ: list[str] = []
    for r in rows:
        try:
            match = term.resolve_code(r["drug_rxcui"])
        except UnknownDrugError:
            unknown += 1  # not in the shipped index: the check says so (a loaded release has it)
            continue
        found = {i.ingredient.rxcui for i in match.ingredients} | {
            i.ingredient.name.lower() for i in match.ingredients
        }
        if r["ingredient_rxcui"] in found or r["ingredient_name"].lower() in found:
            agree += 1
        else:
            differ.append(f"{r['drug_rxcui']} {r['drug_name']}: {sorted(found)}")
    known = len(rows) - unknown
    print(
        f"OMTK product codes: {_share(known, len(rows))} in the shipped index; of those "
        f"{_share(agree, known)} give RxNav's ingredient; {differ[:5]}"
    )
    assert len(rows) > 800
    assert known / len(rows) > 0.9
    assert not differ
