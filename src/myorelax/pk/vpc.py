"""Visual predictive check: each reported study against a simulated population like the study's.

For every single-dose study in a monograph's `pk.observed` (the rows of `validation.py`), a
population of `N_SUBJECTS` is drawn from the drug's model with its inter-individual variability,
the study's conditions (fed, sex, older age) applied as for the typical subject. Per subject the
peak and its time come from the simulated profile, AUC to infinity and the terminal half-life from
the parameters; the 5th, 50th and 95th percentiles over subjects are set against the reported
means. Residual error is not added: the interval is the spread between subjects. Each study has its
own fixed seed (from its drug, regimen and dose), so the numbers are the same on every run.

`docs/validation.md` gets the percentiles as columns and one figure per drug
(`docs/figures/vpc_<drug>.png`) from `myorelax.cli.pk_validation_doc`.
"""

from __future__ import annotations

import math
import textwrap
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from myorelax.knowledge.schema import KnowledgeBase, Monograph, Observed
from myorelax.pk import metrics
from myorelax.pk.events import DoseRecord, expand_records
from myorelax.pk.population import percentiles_over_subjects, sample_parameters, typical_parameters
from myorelax.pk.simulate import simulate
from myorelax.pk.validation import ValidationRow, study_setup, validate_observed
from myorelax.units import convert

FloatArray = NDArray[np.float64]
N_SUBJECTS = 500
POINTS = 1200  # output times per profile
_METRIC = {"Cmax": "cmax", "Tmax": "tmax", "AUCinf": "auc", "AUClast (vs AUCinf)": "auc",
           "half-life": "half_life"}  # fmt: skip


@dataclass(frozen=True)
class Band:
    """5th, 50th and 95th percentiles over the simulated subjects."""

    p5: float
    p50: float
    p95: float

    def contains(self, x: float) -> bool:
        return self.p5 <= x <= self.p95


@dataclass(frozen=True)
class StudyVpc:
    """One study: its validation rows (typical subject), the population band of each reported
    metric, and the concentration-time percentiles (mg/L) for the figure."""

    drug: str
    analyte: str
    study: str
    dose_mg: float
    rows: tuple[ValidationRow, ...]
    bands: tuple[Band, ...]  # one per row
    times_h: FloatArray
    conc_pct: FloatArray  # (3, n_times): 5th, 50th, 95th percentile, mg/L


def _seed(mono: Monograph, obs: Observed) -> int:
    return zlib.crc32(f"{mono.id}|{obs.analyte}|{obs.regimen}|{obs.dose.text()}".encode())


def _horizon(t_half_h: float) -> float:
    """Hours to simulate: about four typical half-lives, between 12 h and 4 days."""
    return float(min(96.0, max(12.0, math.ceil(4.0 * t_half_h / 6.0) * 6.0)))


def study_vpc(mono: Monograph, obs: Observed, n: int = N_SUBJECTS) -> StudyVpc | None:
    """The population check of one study, or None when it is not a comparable single dose."""
    rows = validate_observed(mono, obs)
    setup = study_setup(mono, obs)
    if not rows or setup is None:
        return None
    model, dose = setup.model, setup.dose_mg
    typical = typical_parameters(model)
    typical_half = float(metrics.half_lives(model, typical, setup.cmt)[obs.analyte][0])
    hours = _horizon(typical_half)
    grid = np.linspace(0.0, hours, POINTS + 1)
    params = sample_parameters(model, n, np.random.default_rng(_seed(mono, obs)))
    prof = simulate(model, expand_records([DoseRecord(0.0, dose, setup.cmt)]), grid, params)
    conc = np.asarray(prof.concentrations[obs.analyte], dtype=np.float64)
    cmax, tmax = metrics.cmax_tmax(grid, conc, 0.0, hours)
    per_subject = {
        "cmax": cmax,
        "tmax": tmax,
        "auc": metrics.auc_inf_single_dose(model, params, dose, setup.cmt)[obs.analyte],
        "half_life": metrics.half_lives(model, params, setup.cmt)[obs.analyte],
    }
    bands = []
    for r in rows:
        key = _METRIC[r.metric]
        internal = {"cmax": "mg/L", "auc": "mg*h/L"}.get(key)
        scale = convert(1.0, internal, r.unit) if internal else 1.0
        q = np.percentile(per_subject[key] * scale, (5.0, 50.0, 95.0))
        bands.append(Band(float(q[0]), float(q[1]), float(q[2])))
    return StudyVpc(
        drug=mono.id,
        analyte=obs.analyte,
        study=obs.regimen,
        dose_mg=dose,
        rows=tuple(rows),
        bands=tuple(bands),
        times_h=grid,
        conc_pct=percentiles_over_subjects(conc),
    )


def vpc_table(kb: KnowledgeBase, n: int = N_SUBJECTS) -> list[StudyVpc]:
    """Every comparable study in the knowledge base, drug by drug (the order of
    `validation_table`)."""
    out: list[StudyVpc] = []
    for drug_id in sorted(kb.drugs):
        mono = kb.drugs[drug_id]
        for obs in mono.pk.observed:
            v = study_vpc(mono, obs, n)
            if v is not None:
                out.append(v)
    return out


def _conc_unit(studies: Sequence[StudyVpc]) -> str:
    for s in studies:
        for r in s.rows:
            if r.metric == "Cmax":
                return r.unit
    return "mg/L"


def plot_drug(studies: Sequence[StudyVpc], path: Path) -> None:
    """One PNG for a drug: a concentration-time panel per study (simulated median and 90%
    interval, reported Cmax at its Tmax) and a panel of every reported metric relative to the
    simulated median."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    unit = _conc_unit(studies)
    scale = convert(1.0, "mg/L", unit)
    panels = len(studies) + 1
    ncols = min(3, panels)
    nrows = math.ceil(panels / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for i, (ax, s) in enumerate(zip(flat, studies, strict=False)):
        t = s.times_h
        p5, p50, p95 = (s.conc_pct[i] * scale for i in range(3))
        ax.fill_between(t, p5, p95, color="tab:blue", alpha=0.25, label="simulated 5th-95th")
        ax.plot(t, p50, color="tab:blue", lw=1.5, label="simulated median")
        rep = {r.metric: r for r in s.rows}
        tmax = rep["Tmax"].reported if "Tmax" in rep else None
        if "Cmax" in rep:
            c = rep["Cmax"].reported * convert(1.0, rep["Cmax"].unit, unit)
            if tmax is not None:
                ax.plot([tmax], [c], "o", color="tab:red", label="reported Cmax at Tmax")
            else:
                ax.axhline(c, color="tab:red", ls="--", lw=1, label="reported Cmax")
        elif tmax is not None:
            ax.axvline(tmax, color="tab:red", ls=":", lw=1, label="reported Tmax")
        ax.set_xlim(0, t[-1])
        ax.set_xlabel("hours after the dose")
        ax.set_ylabel(f"{s.analyte} ({unit})")
        title = f"S{i + 1}. {s.analyte} {s.dose_mg:g} mg: {s.study}"
        ax.set_title("\n".join(textwrap.wrap(title, 48)[:3]), fontsize=8)
        ax.legend(fontsize=6, loc="upper right")
    ax = flat[len(studies)]
    labels: list[str] = []
    k = 0
    for i, s in enumerate(studies):
        for r, b in zip(s.rows, s.bands, strict=True):
            if b.p50 <= 0:
                continue  # an intravenous bolus peaks at time zero: no ratio to show
            lo, hi = b.p5 / b.p50, b.p95 / b.p50
            ax.plot([k, k], [lo, hi], color="tab:blue", lw=4, alpha=0.35)
            ax.plot([k], [1.0], "_", color="tab:blue", ms=12)
            ax.plot([k], [r.reported / b.p50], "o", color="tab:red" if not b.contains(r.reported)
                    else "tab:green", ms=5)  # fmt: skip
            labels.append(f"S{i + 1} {r.metric.split(' ')[0]}")
            k += 1
    ax.set_yscale("log")
    ax.set_xticks(range(k))
    ax.set_xticklabels(labels, rotation=90, fontsize=6)
    ax.set_ylabel("value / simulated median")
    ax.set_title("reported (dot) vs simulated 90% interval (bar)", fontsize=8)
    for extra in flat[panels:]:
        extra.axis("off")
    fig.suptitle(f"{studies[0].drug}: visual predictive check ({N_SUBJECTS} subjects a study)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)


def write_figures(vpcs: Sequence[StudyVpc], folder: Path) -> list[Path]:
    """`vpc_<drug>.png` in `folder` for every drug with a study; the paths written."""
    by_drug: dict[str, list[StudyVpc]] = {}
    for v in vpcs:
        by_drug.setdefault(v.drug, []).append(v)
    out = []
    for drug, studies in by_drug.items():
        path = folder / f"vpc_{drug}.png"
        plot_drug(studies, path)
        out.append(path)
    return out
