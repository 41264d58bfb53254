"""Carisoprodol and the meprobamate formed from it: two-compartment parent, one-compartment
metabolite, least squares on the SOMA label's Table 2 means (12.3; 24 healthy adults, single
250 and 350 mg doses; nothing digitised).

Reported: carisoprodol Cmax 1.8 / 1.2 mcg/mL, Tmax 1.7 / 1.5 h, AUCinf 7.0 / 4.5 mcg*h/mL,
t1/2 2.0 / 1.7 h (350 / 250 mg); meprobamate Cmax 2.5 / 1.8 mcg/mL, Tmax 4.5 / 3.6 h, AUCinf
46 / 32 mcg*h/mL, t1/2 9.6 / 9.7 h. CL/F = 350 mg / 7.0 = 50 L/h and CLm/fm = 350 x 0.8384 /
46 = 6.38 L/h are fixed from the 350 mg AUCs (fraction formed taken as 1, see the monograph).
Fitted: ka, V1/F, Q/F, V2/F, Vm/fm; residuals log(simulated/reported), Tmax weighted 0.5 (a
mean of individual peak times of a flat metabolite profile), and the 350 mg half-lives weighted
30 so that they stay the label's anchors.

Run: .venv/bin/python scripts/pk_fits/carisoprodol.py
"""

from __future__ import annotations

import numpy as np
from _common import log_ratio, model, summary, table
from scipy.optimize import least_squares

NAMES = ("ka", "v", "q", "v2", "vm")
ANCHOR = 30.0  # weight of the 350 mg half-lives, kept as the label's anchors
FIXED = {"cl": 50.0, "fm": 1.0, "mw": 0.8384, "clm": 6.38}
REPORTED = {
    350.0: {"cmax": 1.8, "tmax": 1.7, "t_half": 2.0, "mcmax": 2.5, "mtmax": 4.5, "mt_half": 9.6},
    250.0: {"cmax": 1.2, "tmax": 1.5, "t_half": 1.7, "mcmax": 1.8, "mtmax": 3.6, "mt_half": 9.7},
}


def build(x: np.ndarray):  # type: ignore[no-untyped-def]
    vals = dict(zip(NAMES, np.exp(x), strict=True)) | FIXED
    return model(vals, compartments=2, metabolite="mep")


def residuals(x: np.ndarray) -> list[float]:
    m = build(x)
    out: list[float] = []
    for dose, r in REPORTED.items():
        p, q = summary(m, dose), summary(m, dose, "mep")
        w = ANCHOR if dose == 350.0 else 1.0
        out += [
            log_ratio(p["cmax"], r["cmax"]),
            0.5 * log_ratio(p["tmax"], r["tmax"]),
            w * log_ratio(p["t_half"], r["t_half"]),
            log_ratio(q["cmax"], r["mcmax"]),
            0.5 * log_ratio(q["tmax"], r["mtmax"]),
            w * log_ratio(q["t_half"], r["mt_half"]),
        ]
    return out


def main() -> None:
    fit = least_squares(residuals, np.log([1.5, 60.0, 30.0, 80.0, 80.0]), diff_step=0.02)
    vals = dict(zip(NAMES, np.exp(fit.x), strict=True))
    print("fitted:", {k: round(float(v), 3) for k, v in vals.items()})
    m = build(fit.x)
    rows = []
    for dose, r in REPORTED.items():
        p, q = summary(m, dose), summary(m, dose, "mep")
        rows += [
            (f"{dose:g} mg carisoprodol Cmax", r["cmax"], p["cmax"]),
            (f"{dose:g} mg carisoprodol Tmax", r["tmax"], p["tmax"]),
            (f"{dose:g} mg carisoprodol AUCinf", 7.0 if dose == 350 else 4.5, p["auc"]),
            (f"{dose:g} mg carisoprodol t1/2", r["t_half"], p["t_half"]),
            (f"{dose:g} mg meprobamate Cmax", r["mcmax"], q["cmax"]),
            (f"{dose:g} mg meprobamate Tmax", r["mtmax"], q["tmax"]),
            (f"{dose:g} mg meprobamate AUCinf", 46.0 if dose == 350 else 32.0, q["auc"]),
            (f"{dose:g} mg meprobamate t1/2", r["mt_half"], q["t_half"]),
        ]
    table(rows)


if __name__ == "__main__":
    main()
