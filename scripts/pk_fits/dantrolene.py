"""Dantrolene: two-compartment intravenous model from the RYANODEX label (12.3), then the oral
absorption on that disposition, least squares.

Reported values fitted (label 12.3, 2.5 mg/kg push in 15 healthy volunteers; no figure
digitised): concentration 9.0 mcg/mL at the first sample, 1 minute after the push (mean);
AUCinf 77.7 mcg*h/mL (mean); half-life 10.8 h (median); clearance 2.5 L/h and volume 36.4 L
(means, taken as the steady-state volume). Dose for a 70 kg adult: 175 mg.
Parameters: CL, V1, Q, V2; residuals are log(simulated/reported), equal weights.

Oral stage (the disposition above fixed; F = 0.70, the absorbed fraction of the Swiss product
information, fixed): ka fitted to a mean Cmax of 1.24 mcg/mL after a single oral
100 mg dose in healthy volunteers (dantrolene-plasma-effect-man, abstract) and a mean Tmax of
3.3 h after a single oral 25 mg dose (ch-dantrolen-fachinfo); no figure digitised. The model is
linear, so Tmax does not depend on the dose. No lag time: a lag only delays the peak, which is
already later than reported at the ka that gives the reported Cmax. Tmax lies on a 0.01 h grid,
so the finite-difference step is 1e-2 on log ka. The oral half-life of 8.2 h after 25 mg is not
fitted (it is the disposition's; the check table shows it).

Run: .venv/bin/python scripts/pk_fits/dantrolene.py
"""

from __future__ import annotations

import numpy as np
from _common import at, log_ratio, model, summary, table
from scipy.optimize import least_squares

from myorelax.pk.solver import DEPOT

NAMES = ("cl", "v", "q", "v2")
DOSE = 2.5 * 70.0
F_ORAL = 0.70
ORAL_NAMES = ("ka",)


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


def build_oral(disposition: dict[str, float], y: np.ndarray):  # type: ignore[no-untyped-def]
    values = dict(disposition) | dict(zip(ORAL_NAMES, np.exp(y), strict=True)) | {"f": F_ORAL}
    return model(values, compartments=2, absorption="iv_bolus", oral=True)


def oral_residuals(y: np.ndarray, disposition: dict[str, float]) -> list[float]:
    m = build_oral(disposition, y)
    return [
        log_ratio(summary(m, 100.0, cmt=DEPOT)["cmax"], 1.24),
        log_ratio(summary(m, 25.0, cmt=DEPOT)["tmax"], 3.3),
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
    # The monograph's rounded disposition, so the oral stage matches what the simulator runs.
    disposition = {"cl": 2.37, "v": 18.8, "q": 35.8, "v2": 17.6}
    oral = least_squares(oral_residuals, np.log([0.5]), args=(disposition,), diff_step=1e-2)
    ovals = dict(zip(ORAL_NAMES, np.exp(oral.x), strict=True))
    print("fitted oral (F 0.70 fixed):", {k: round(float(v), 3) for k, v in ovals.items()})
    mo = build_oral(disposition, oral.x)
    s100, s25 = summary(mo, 100.0, cmt=DEPOT), summary(mo, 25.0, cmt=DEPOT)
    table([
        ("oral 100 mg Cmax mcg/mL", 1.24, s100["cmax"]),
        ("oral 25 mg Tmax h", 3.3, s25["tmax"]),
        ("oral 25 mg half-life h (not fitted)", 8.2, s25["t_half"]),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
