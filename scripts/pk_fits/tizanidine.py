"""Tizanidine: oral bioavailability scale and the food effects on tablets and capsules.

Fixed from the ZANAFLEX label (12.3): half-life 2.5 h, steady-state volume 2.4 L/kg after
intravenous dosing (168 L at 70 kg), fasted Tmax 1.0 h (ka 2.5 1/h, unchanged from the
monograph). Food (label 12.3): tablets taken fed, Cmax and AUC about 30% higher and the peak
about 25 minutes later; capsules taken fed, Cmax about 20% lower, AUC about 10% higher and the
peak 2 to 3 hours later (the AUC changes are applied as bioavailability factors 1.3 and 1.1).
Fitted (least squares on log ratios, no figure digitised): the apparent bioavailability F that
scales CL/F = 46.6 / F and V/F = 168 / F, and the ka factors of tablet-fed and capsule-fed
dosing, to Henney 2007 (PMID 17617289, 4 mg after a high-fat meal, 18 healthy adults:
tablet Cmax 4.0 ng/mL, Tmax 1.2 h; capsule Cmax 2.7 ng/mL, Tmax 2.6 h) and the label's ratios
(tablet fed Cmax x1.3 and Tmax 1.42 h; capsule fed Cmax x0.8).

Run: .venv/bin/python scripts/pk_fits/tizanidine.py
"""

from __future__ import annotations

import math

import numpy as np
from _common import log_ratio, model, summary, table
from scipy.optimize import least_squares

K = math.log(2) / 2.5
VSS = 2.4 * 70.0
KA = 2.5


def base(f: float):  # type: ignore[no-untyped-def]
    return {"ka": KA, "cl": K * VSS / f, "v": VSS / f}


def arms(x: np.ndarray) -> dict[str, dict[str, float]]:
    f, h, g = np.exp(x)
    b = base(f)
    return {
        "fasted": summary(model(b), 4.0),
        "tablet_fed": summary(model(b, effects={"f": 1.3, "ka": h}), 4.0),
        "capsule_fed": summary(model(b, effects={"f": 1.1, "ka": g}), 4.0),
    }


def residuals(x: np.ndarray) -> list[float]:
    a = arms(x)
    fa, t, c = a["fasted"], a["tablet_fed"], a["capsule_fed"]
    return [
        log_ratio(t["cmax"] * 1e3, 4.0),
        log_ratio(t["tmax"], 1.2),
        log_ratio(c["cmax"] * 1e3, 2.7),
        log_ratio(c["tmax"], 2.6),
        log_ratio(t["cmax"] / fa["cmax"], 1.3),
        log_ratio(t["tmax"], 1.0 + 25 / 60),
        log_ratio(c["cmax"] / fa["cmax"], 0.8),
    ]


def main() -> None:
    fit = least_squares(residuals, np.log([0.3, 0.8, 0.2]))
    f, h, g = np.exp(fit.x)
    print(f"fitted: F {f:.3f} (CL/F {K * VSS / f:.1f} L/h, V/F {VSS / f:.0f} L), "
          f"tablet-fed ka x{h:.3f}, capsule-fed ka x{g:.3f}")  # fmt: skip
    a = arms(fit.x)
    fa, t, c = a["fasted"], a["tablet_fed"], a["capsule_fed"]
    table([
        ("tablet fed Cmax ng/mL (Henney)", 4.0, t["cmax"] * 1e3),
        ("tablet fed Tmax h (Henney)", 1.2, t["tmax"]),
        ("capsule fed Cmax ng/mL (Henney)", 2.7, c["cmax"] * 1e3),
        ("capsule fed Tmax h (Henney)", 2.6, c["tmax"]),
        ("tablet fed/fasted Cmax (label)", 1.3, t["cmax"] / fa["cmax"]),
        ("tablet fed Tmax h (label)", 1.42, t["tmax"]),
        ("capsule fed/fasted Cmax (label)", 0.8, c["cmax"] / fa["cmax"]),
    ])  # fmt: skip
    print(f"  fasted 4 mg: Cmax {fa['cmax'] * 1e3:.2f} ng/mL, Tmax {fa['tmax']:.2f} h, "
          f"AUC {fa['auc'] * 1e3:.1f} ng*h/mL")  # fmt: skip


if __name__ == "__main__":
    main()
