"""Kidney function: Cockcroft-Gault creatinine clearance and the CKD-EPI 2021 eGFR.

Pure functions of numbers with their units in their names. Sources (knowledge/data/sources/
clinical.yaml): Cockcroft & Gault 1976 (PMID 1244564); Inker et al. 2021, the race-free CKD-EPI
creatinine equation (PMID 34554658); ideal body weight by Devine (1974) and the adjusted body
weight (IBW + 0.4 x excess) customary for Cockcroft-Gault in obesity (Winter et al. 2012,
PMID 22250100).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Sex = Literal["female", "male", "unknown"]

# Serum creatinine: 1 mg/dL = 88.42 umol/L (molar mass of creatinine 113.12 g/mol: 10 mg/L divided
# by 0.11312 mg/umol). A unit conversion, not a clinical threshold.
CREATININE_UMOL_PER_MG_DL = 88.42
# Serum creatinine units as written (lower case, no spaces; UCUM codes and common spellings, the
# micro sign and the Greek mu) -> factor to mg/dL. Any other unit is not read.
CREATININE_MG_DL_PER_UNIT: dict[str, float] = {
    "mg/dl": 1.0,
    "mg/l": 0.1,
    "umol/l": 1 / CREATININE_UMOL_PER_MG_DL,
    "\u00b5mol/l": 1 / CREATININE_UMOL_PER_MG_DL,
    "\u03bcmol/l": 1 / CREATININE_UMOL_PER_MG_DL,
    "micromol/l": 1 / CREATININE_UMOL_PER_MG_DL,
    "mmol/l": 1000 / CREATININE_UMOL_PER_MG_DL,
}
WeightBasis = Literal["actual", "ideal", "adjusted"]


class CrClEstimate(BaseModel):
    """A creatinine clearance with the weight it used and why."""

    model_config = ConfigDict(frozen=True)

    crcl_ml_min: float
    weight_kg: float
    weight_basis: WeightBasis
    explanation: str


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine: 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over 5 ft; unknown sex: women."""
    inches_over_5ft = max(0.0, height_cm / 2.54 - 60.0)
    base = 50.0 if sex == "male" else 45.5
    return base + 2.3 * inches_over_5ft


def cockcroft_gault(
    age_years: float,
    weight_kg: float,
    scr_mg_dl: float,
    sex: Sex,
    height_cm: float | None = None,
) -> CrClEstimate:
    """CrCl (mL/min) = (140 - age) x weight / (72 x SCr) [x 0.85 for women].

    Weight: actual body weight; when height is known and actual weight is over 120 % of ideal,
    the adjusted body weight; when actual is below ideal, actual. Unknown sex is calculated as
    female (the lower, more cautious estimate) and says so.
    """
    basis: WeightBasis = "actual"
    weight = weight_kg
    why = "actual body weight"
    if height_cm is not None:
        ibw = ideal_body_weight_kg(height_cm, sex)
        if weight_kg > 1.2 * ibw:
            weight = ibw + 0.4 * (weight_kg - ibw)
            basis = "adjusted"
            why = (
                f"adjusted body weight {weight:.1f} kg (actual {weight_kg:g} kg is over 120% of "
                f"ideal {ibw:.1f} kg)"
            )
        else:
            why = f"actual body weight {weight_kg:g} kg (ideal {ibw:.1f} kg)"
    else:
        why = f"actual body weight {weight_kg:g} kg (no height, so no obesity adjustment)"
    crcl = (140.0 - age_years) * weight / (72.0 * scr_mg_dl)
    if sex != "male":
        crcl *= 0.85
        if sex == "unknown":
            why += "; sex unknown, calculated as female (lower estimate)"
    return CrClEstimate(
        crcl_ml_min=max(crcl, 0.0), weight_kg=weight, weight_basis=basis, explanation=why
    )


def ckd_epi_2021(age_years: float, scr_mg_dl: float, sex: Sex) -> float:
    """eGFR (mL/min/1.73 m2), CKD-EPI 2021 creatinine equation without race.

    142 x min(SCr/k, 1)^a x max(SCr/k, 1)^-1.200 x 0.9938^age [x 1.012 if female];
    k = 0.7 (F) / 0.9 (M), a = -0.241 (F) / -0.302 (M). Unknown sex: the lower of the two.
    """
    if sex == "unknown":
        return min(
            ckd_epi_2021(age_years, scr_mg_dl, "female"), ckd_epi_2021(age_years, scr_mg_dl, "male")
        )
    female = sex == "female"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = scr_mg_dl / kappa
    egfr = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age_years
    if female:
        egfr *= 1.012
    return float(egfr)
