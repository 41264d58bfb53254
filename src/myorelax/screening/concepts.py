"""Codes the screening reads: RxNorm ingredients, LOINC kidney tests, dialysis conditions, units.

Everything is keyed on the code systems' own codes (RxNorm RxCUIs from the knowledge base's
value sets; LOINC, SNOMED CT and ICD-10-CM codes as used by the FHIR adapter, `fhir/codes.py`),
never on OMOP concept ids, which depend on the vocabulary release a site loaded from Athena. An
OMOP site maps its concept ids to these codes through its own CONCEPT table (and
CONCEPT_ANCESTOR for drug products), or through the `*_source_value` columns.

The shipped `data/concept_map.csv` gives each code a local concept id in the range OMOP reserves
for site-specific concepts (above 2,000,000,000); the synthetic data uses these ids, and data
without a CONCEPT table can use them too. They are not Athena concept ids.
`python -m myorelax.screening.concepts` prints the table; a test keeps the file current.
"""

from __future__ import annotations

import csv
import io
import sys
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

from myorelax.clinical.lab_codes import KIDNEY_LOINC
from myorelax.screening.patterns import ScreeningKnowledge

CodeKind = Literal["drug", "egfr", "creatinine", "dialysis", "unit_mg_dl", "unit_umol_l"]

LOCAL_DRUG_BASE = 2_000_000_000
LOCAL_OTHER_BASE = 2_100_000_000

# LOINC: estimated GFR (per 1.73 m2) and creatinine, the codes the FHIR adapter reads too.
LOINC_EGFR: dict[str, str] = {c: n for c, (k, n) in KIDNEY_LOINC.items() if k == "egfr"}
LOINC_CREATININE: dict[str, str] = {c: n for c, (k, n) in KIDNEY_LOINC.items() if k == "creatinine"}
# Dialysis or end-stage kidney disease (SNOMED CT concepts; ICD-10-CM codes without the dot).
SNOMED_DIALYSIS: dict[str, str] = {
    "714152005": "Chronic kidney disease stage 5 on dialysis",
    "46177005": "End-stage renal disease",
}
ICD10CM_DIALYSIS: dict[str, str] = {
    "Z992": "Dependence on renal dialysis (Z99.2)",
    "N186": "End stage renal disease (N18.6)",
}
# Kidney failure codes added after the first release: listed last so that the local concept ids
# of the codes above do not move. With them, every code that puts a patient in the check's
# kidney-failure condition (conditions.yaml `kidney_failure`) also puts them in this state.
KIDNEY_FAILURE_ADDED: tuple[tuple[str, str, str], ...] = (
    ("SNOMED", "433146000", "Chronic kidney disease stage 5"),
    ("ICD10CM", "N185", "Chronic kidney disease, stage 5 (N18.5)"),
)
UCUM_MG_DL = "mg/dL"
UCUM_UMOL_L = "umol/L"

VOCABULARY_OF: dict[CodeKind, str] = {
    "drug": "RxNorm",
    "egfr": "LOINC",
    "creatinine": "LOINC",
    "dialysis": "SNOMED",
    "unit_mg_dl": "UCUM",
    "unit_umol_l": "UCUM",
}


class CodeRow(BaseModel):
    """One code the screening understands, with its local concept id."""

    model_config = ConfigDict(frozen=True)

    concept_id: int
    vocabulary_id: str
    concept_code: str
    concept_name: str
    kind: CodeKind
    ingredient_code: int | None = None


def code_rows(knowledge: ScreeningKnowledge) -> tuple[CodeRow, ...]:
    """Every code, in a stable order: the screened ingredients, then kidney tests, dialysis, units."""
    rows = [
        CodeRow(
            concept_id=LOCAL_DRUG_BASE + int(i.rxcui),
            vocabulary_id="RxNorm",
            concept_code=i.rxcui,
            concept_name=i.name,
            kind="drug",
            ingredient_code=int(i.rxcui),
        )
        for i in knowledge.screened_ingredients
    ]
    others: list[tuple[str, str, str, CodeKind]] = [
        *(("LOINC", c, n, "egfr") for c, n in LOINC_EGFR.items()),
        *(("LOINC", c, n, "creatinine") for c, n in LOINC_CREATININE.items()),
        *(("SNOMED", c, n, "dialysis") for c, n in SNOMED_DIALYSIS.items()),
        *(("ICD10CM", c, n, "dialysis") for c, n in ICD10CM_DIALYSIS.items()),
        ("UCUM", UCUM_MG_DL, "milligram per deciliter", "unit_mg_dl"),
        ("UCUM", UCUM_UMOL_L, "micromole per liter", "unit_umol_l"),
        *((v, c, n, "dialysis") for v, c, n in KIDNEY_FAILURE_ADDED),
    ]
    rows += [
        CodeRow(
            concept_id=LOCAL_OTHER_BASE + n,
            vocabulary_id=v,
            concept_code=c,
            concept_name=name,
            kind=k,
        )
        for n, (v, c, name, k) in enumerate(others, start=1)
    ]
    return tuple(rows)


COLUMNS = ("concept_id", "vocabulary_id", "concept_code", "concept_name", "kind", "ingredient_code")


def render_concept_map(knowledge: ScreeningKnowledge) -> str:
    """The shipped concept map as CSV text."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in code_rows(knowledge):
        w.writerow([getattr(r, c) if getattr(r, c) is not None else "" for c in COLUMNS])
    return out.getvalue()


def shipped_concept_map() -> str:
    """The CSV shipped in the package (`data/concept_map.csv`)."""
    return (resources.files("myorelax.screening") / "data" / "concept_map.csv").read_text()


def normalize_code(code: str) -> str:
    """A code as compared: surrounding space and ICD-10 dots removed, upper case."""
    return code.strip().replace(".", "").upper()


if __name__ == "__main__":  # pragma: no cover
    from myorelax.screening.patterns import default_screening_knowledge

    sys.stdout.write(render_concept_map(default_screening_knowledge()))
