"""Metaxalone: food and sex covariates on the two-compartment model of the label's fasted data.

The fasted model (ka 0.33 1/h, CL/F 53.2 L/h, V1/F 135 L, Q/F 11.1 L/h, V2/F 101 L, lag 0.43 h)
was fitted earlier to label Table 1 (800 mg fasted) and is kept. Fitted here by least squares
on log ratios (label dm-metaxalone-800, values from the text and Table 2; nothing digitised):

- food (800 mg after a high-fat breakfast, Table 2): Cmax 3510 ng/mL, Tmax 4.9 h, AUCinf
  20833 ng*h/mL, with factors on ka, the lag time and bioavailability. The fed half-life
  (4.2 h) is not fitted: the model's disposition does not change with food.
- sex (800 mg fasted, 24 women and 24 men, Special Populations): women Cmax 2115 ng/mL, AUCinf
  17884 ng*h/mL, t1/2 11.1 h; men Cmax 1335 ng/mL, AUCinf 10328 ng*h/mL, t1/2 7.6 h; and the
  label's apparent volume about 22% higher in men (men/women volume factor 1.22, weight 1).
  Factors on CL/F, and one factor on both V1/F and V2/F, for each sex.

Run: .venv/bin/python scripts/pk_fits/metaxalone.py
"""

from __future__ import annotations

import numpy as np
from _common import log_ratio, model, summary, table
from scipy.optimize import least_squares

BASE = {"ka": 0.33, "cl": 53.2, "v": 135.0, "q": 11.1, "v2": 101.0, "tlag": 0.43}


def two(effects: dict[str, float]):  # type: ignore[no-untyped-def]
    return model(BASE, compartments=2, effects=effects)


def fed(x: np.ndarray) -> dict[str, float]:
    ka, tlag, f = np.exp(x)
    return summary(two({"ka": ka, "tlag": tlag, "f": f}), 800.0)


def fed_residuals(x: np.ndarray) -> list[float]:
    s = fed(x)
    return [
        log_ratio(s["cmax"] * 1e3, 3510),
        log_ratio(s["tmax"], 4.9),
        log_ratio(s["auc"] * 1e3, 20833),
    ]


def sexes(x: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
    clf, vf, clm, vm = np.exp(x)
    w = summary(two({"cl": clf, "v": vf, "v2": vf}), 800.0)
    m = summary(two({"cl": clm, "v": vm, "v2": vm}), 800.0)
    return w, m


def sex_residuals(x: np.ndarray) -> list[float]:
    w, m = sexes(x)
    _, vf, _, vm = np.exp(x)
    return [
        log_ratio(w["cmax"] * 1e3, 2115),
        log_ratio(w["auc"] * 1e3, 17884),
        log_ratio(w["t_half"], 11.1),
        log_ratio(m["cmax"] * 1e3, 1335),
        log_ratio(m["auc"] * 1e3, 10328),
        log_ratio(m["t_half"], 7.6),
        log_ratio(vm / vf, 1.22),
    ]


def main() -> None:
    ff = least_squares(fed_residuals, np.log([2.0, 7.5, 1.38]), diff_step=0.02)
    ka, tlag, f = np.exp(ff.x)
    print(f"food: ka x{ka:.3f}, lag x{tlag:.3f}, F x{f:.3f}")
    s = fed(ff.x)
    table([
        ("fed Cmax ng/mL", 3510, s["cmax"] * 1e3),
        ("fed Tmax h", 4.9, s["tmax"]),
        ("fed AUCinf ng*h/mL", 20833, s["auc"] * 1e3),
        ("fed t1/2 h (not fitted)", 4.2, s["t_half"]),
    ])  # fmt: skip
    fs = least_squares(sex_residuals, np.log([0.84, 1.0, 1.46, 1.2]), diff_step=0.02)
    clf, vf, clm, vm = np.exp(fs.x)
    print(f"women: CL x{clf:.3f}, V1 and V2 x{vf:.3f}; men: CL x{clm:.3f}, V1 and V2 x{vm:.3f}")
    w, m = sexes(fs.x)
    table([
        ("women Cmax ng/mL", 2115, w["cmax"] * 1e3),
        ("women AUCinf", 17884, w["auc"] * 1e3),
        ("women t1/2 h", 11.1, w["t_half"]),
        ("men Cmax ng/mL", 1335, m["cmax"] * 1e3),
        ("men AUCinf", 10328, m["auc"] * 1e3),
        ("men t1/2 h", 7.6, m["t_half"]),
        ("men/women volume", 1.22, vm / vf),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
