"""Fit baclofen's renal covariate to the published renal-impairment subgroups.

Run: ``.venv/bin/python scripts/pk_fits/baclofen_renal.py`` (prints the fraction renal that
``src/myorelax/knowledge/data/drugs/baclofen.yaml`` carries under ``pk.covariates``).

Data. Vlavonou R et al., J Clin Pharmacol 2014;54:584-92 (PMID 24414993): single 5 mg oral dose
in four groups by Cockcroft-Gault CrCl (>80, 50-80, 30-50 and <30 mL/min). The abstract gives the
mean dose reductions that give the exposure of the >80 group: 1/3, 1/2 and 2/3 for mild,
moderate and severe CKD, i.e. AUC ratios (versus the >80 group) of 1/(1 - reduction) = 1.5, 2
and 3. The per-group AUC table of the full text could not be consulted (only the abstract was
available); nothing is digitised. The group CrCl means are not in the abstract either: each group
is evaluated at the middle of its range (65 and 40 mL/min), the <30 group at 20 mL/min and the
>80 reference group at 100 mL/min (assumed; stated in the YAML).

Model. CL/F(CrCl) = CL/F_typ x (1 - fr + fr x min(CrCl, ref)/ref) with ref = 100 mL/min (the
typical adult of the model is a healthy adult with the reference group's CrCl), so the AUC ratio
of a group versus the reference group is 1 / (1 - fr + fr x CrCl/100). fr, the fraction of the
typical clearance that is renal, is fitted by least squares on log(predicted/reported).

Cross-check (not fitted): Wuis 1989 found 69% of an oral dose unchanged in urine and renal
clearance equal to creatinine clearance; with oral bioavailability 74% (Agarwal 2015) the renal
share of systemic clearance is 0.69/0.74 = 0.93.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import least_squares

REFERENCE_CRCL = 100.0
GROUPS = (  # label, representative CrCl (mL/min), reported AUC ratio versus the >80 group
    ("mild CKD, CrCl 50-80 mL/min", 65.0, 1.5),
    ("moderate CKD, CrCl 30-50 mL/min", 40.0, 2.0),
    ("severe CKD, CrCl <30 mL/min", 20.0, 3.0),
)


def ratio(fr: float, crcl: float) -> float:
    return 1.0 / (1.0 - fr + fr * min(crcl, REFERENCE_CRCL) / REFERENCE_CRCL)


def residuals(x: np.ndarray) -> np.ndarray:
    fr = float(x[0])
    return np.array([math.log(ratio(fr, c) / r) for _, c, r in GROUPS])


def main() -> None:
    fit = least_squares(residuals, np.array([0.7]), bounds=([0.0], [1.0]))
    fr = float(fit.x[0])
    print(f"fraction renal fr = {fr:.3f} (reference CrCl {REFERENCE_CRCL:g} mL/min)")
    for label, c, r in GROUPS:
        p = ratio(fr, c)
        print(f"  {label:34s} reported x{r:g}  predicted x{p:.2f}  ratio {p / r:.2f}")
    print(f"  no renal clearance (dialysis, between sessions): x{ratio(fr, 0.0):.2f}")
    print(f"cross-check: urinary fe / F = 0.69 / 0.74 = {0.69 / 0.74:.2f}")


if __name__ == "__main__":
    main()
