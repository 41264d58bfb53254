"""Concentration-time plots (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from myorelax.pk.simulate import UNIT, RegimenSimulation


def plot_simulation(
    sim: RegimenSimulation,
    path: Path,
    *,
    reference_lines: Sequence[tuple[float, str]] = (),
) -> Path:
    """Write a PNG: each analyte over time, population 5-95% band, dose marks, reference lines
    (concentration in mg/L, label)."""
    fig, axes = plt.subplots(
        len(sim.analytes), 1, figsize=(9, 3.2 * len(sim.analytes)), sharex=True, squeeze=False
    )
    doses = sim.schedule.doses
    for ax, a in zip(axes[:, 0], sim.analytes, strict=True):
        if a.percentiles:
            ax.fill_between(
                sim.times_h,
                a.percentiles["p5"],
                a.percentiles["p95"],
                alpha=0.25,
                label=f"5-95th percentile ({sim.subjects} subjects)",
            )
            ax.plot(sim.times_h, a.percentiles["p50"], lw=1, ls="--", label="median")
        ax.plot(sim.times_h, a.concentrations, lw=1.6, label="this patient (typical values)")
        for t in doses.time_h:
            ax.axvline(float(t), color="grey", lw=0.5, alpha=0.5)
        for value, label in reference_lines:
            ax.axhline(value, color="red", lw=1, ls=":", label=label)
        ax.set_ylabel(f"{a.name} ({UNIT})")
        ax.set_title(a.name, loc="left", fontsize=10)
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel(
        f"hours after the first dose (first dose at {sim.schedule.first_clock}); grey: doses"
    )
    fig.suptitle(sim.regimen, fontsize=11)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
