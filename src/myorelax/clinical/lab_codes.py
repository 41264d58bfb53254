"""LOINC codes of the kidney tests the adapters read: FHIR Observations and OMOP measurements.

Terminology, not clinical facts: each code was checked against LOINC's public code list. Serum or
blood creatinine is read in mass or in moles per volume; the unit, not the code, decides the
conversion (`clinical.renal.CREATININE_MG_DL_PER_UNIT`).
"""

from __future__ import annotations

from typing import Literal

KidneyTest = Literal["creatinine", "egfr"]

KIDNEY_LOINC: dict[str, tuple[KidneyTest, str]] = {
    "2160-0": ("creatinine", "Creatinine [Mass/volume] in Serum or Plasma"),
    "38483-4": ("creatinine", "Creatinine [Mass/volume] in Blood"),
    "14682-9": ("creatinine", "Creatinine [Moles/volume] in Serum or Plasma"),
    "59826-8": ("creatinine", "Creatinine [Moles/volume] in Blood"),
    "33914-3": ("egfr", "GFR/1.73 sq M.predicted, creatinine-based (MDRD)"),
    "48642-3": ("egfr", "GFR/1.73 sq M.predicted among non-blacks (MDRD)"),
    "48643-1": ("egfr", "GFR/1.73 sq M.predicted among blacks (MDRD)"),
    "50044-7": ("egfr", "GFR/1.73 sq M.predicted among females (MDRD)"),
    "62238-1": ("egfr", "GFR/1.73 sq M.predicted, creatinine-based (CKD-EPI)"),
    "88293-6": ("egfr", "GFR/1.73 sq M.predicted among blacks (CKD-EPI)"),
    "88294-4": ("egfr", "GFR/1.73 sq M.predicted among non-blacks (CKD-EPI)"),
    "98979-8": ("egfr", "GFR/1.73 sq M.predicted, creatinine-based (CKD-EPI 2021)"),
}
