"""Dantrolene intravenous: two-compartment model from the RYANODEX label (12.3), least squares.

Reported values fitted (label 12.3, 2.5 mg/kg push in 15 healthy volunteers; no figure
digitised): concentration 9.0 mcg/mL at the first sample, 1 minute after the push (mean);
AUCinf 77.7 mcg*h/mL (mean); half-life 10.8 h (median); clearance 2.5 L/h and volume 36.4 L
(means, taken as the steady-state volume). Dose for a 70 kg adult: 175 mg.
Parameters: CL, V1, Q, V2; residuals are log(simulated/reported), equal weights.

Run: .venv/bin/python scripts/pk_fits/dantrolene.py
"""

from __future__ import annotations

import numpy as np
from _common import at, log_ratio, model, summary, table
from scipy.optimize import least_squares

NAMES = ("cl", "v", "q", "v2")
DOSE = 2.5 * 70.0


def build(x: np.ndarray):  # type: ignore[no-untyped-def]
    return model(dict(zip(NAMES, np.exp(x), strict=True)), compartments=2, absorption="iv_bolus")


def residuals(x: np.ndarray) -> list[float]:
    m = build(x)
    s = summary(m, DOSE)
    cl, v1, _, v2 = np.exp(x)
    return [
        log_ratio(at(m, DOSE, 1 / 60), 9.0),
        log_ratio(s["auc"], 77.7),
        log_ratio(s["t_half"], 10.8),
        log_ratio(cl, 2.5),
        log_ratio(v1 + v2, 36.4),
    ]


def main() -> None:
    fit = least_squares(residuals, np.log([2.5, 20.0, 10.0, 16.0]))
    vals = dict(zip(NAMES, np.exp(fit.x), strict=True))
    print("fitted:", {k: round(float(v), 3) for k, v in vals.items()})
    m = build(fit.x)
    s = summary(m, DOSE)
    table([
        ("C(1 min) mcg/mL", 9.0, at(m, DOSE, 1 / 60)),
        ("AUCinf mcg*h/mL", 77.7, s["auc"]),
        ("terminal t1/2 h", 10.8, s["t_half"]),
        ("CL L/h", 2.5, vals["cl"]),
        ("Vss L", 36.4, vals["v"] + vals["v2"]),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
