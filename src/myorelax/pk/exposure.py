"""Exposure of this patient relative to a typical adult, for the safety check.

Both run the drug's model at steady state of the same regimen (the order's dose and clock times,
or the usual single dose when the order gives none); the ratios are of AUC over the repeating
period and of the peak. Only the effects asked for are applied (the patient's covariates, a given
co-medication), so each alert shows the exposure change of its own cause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from myorelax.clinical.patient import KidneyFunction, Patient
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import Monograph
from myorelax.knowledge.terminology import Ingredient
from myorelax.pk import metrics
from myorelax.pk.covariates import covariate_effects, interaction_effects
from myorelax.pk.events import DoseRecord, expand_records, schedule_from_order
from myorelax.pk.models import Effect, PkModel, model_from_monograph, with_effects
from myorelax.pk.simulate import simulate, single_dose_cmax


@dataclass(frozen=True)
class ExposureRatio:
    analyte: str
    auc_ratio: float
    cmax_ratio: float
    effects: tuple[Effect, ...]

    @property
    def lower_bound(self) -> bool:
        """An effect was evaluated at the edge of the patient's band (kidney failure without a
        CrCl): the true ratios are at least these."""
        return any(e.lower_bound for e in self.effects)

    def ratios_text(self) -> str:
        """``AUC x3.5, Cmax x3.1``, or ``AUC at least x3.5, Cmax at least x3.1``."""
        q = "at least " if self.lower_bound else ""
        return f"AUC {q}x{self.auc_ratio:.2g}, Cmax {q}x{self.cmax_ratio:.2g}"

    def text(self) -> str:
        why = "; ".join(e.reason for e in self.effects)
        return (
            f"simulated {self.analyte} exposure versus a typical adult on the same regimen: "
            f"{self.ratios_text()} ({why})"
        )


@lru_cache(maxsize=4096)
def _profile(
    model: PkModel, order: Order | None, weight_kg: float | None
) -> tuple[tuple[str, float, float], ...]:
    """(analyte, AUC over one period at steady state, Cmax) per analyte. Cached: a check of the
    same regimen (a service answering the same order again) does not simulate again."""
    cmt = model.structure.default_cmt
    if order is not None and order.route in model.structure.routes:
        cmt = model.structure.cmt_for(order.route)
    sched = None
    if order is not None and order.frequency is not None and not order.frequency.single:
        try:
            sched = schedule_from_order(
                order, model.structure, days=1, weight_kg=weight_kg, steady_state=True
            )
        except InputError:
            sched = None
    if sched is not None:
        doses = sched.doses
        period = sched.period_h
    else:
        doses = expand_records([DoseRecord(0.0, 1.0, cmt)])
        period = 24.0 * 30
    grid = np.linspace(0.0, period, int(period / 0.05) + 1)
    prof = simulate(model, doses, grid)
    out = []
    for name, c in prof.concentrations.items():
        c64 = np.asarray(c, dtype=np.float64)
        out.append((name, float(metrics.auc(grid, c64, 0.0, period)[0]), float(c64.max())))
    return tuple(out)


def _ratios(
    base: PkModel, effects: Iterable[Effect], order: Order | None, weight_kg: float | None
) -> tuple[ExposureRatio, ...]:
    effects = tuple(effects)
    if not effects:
        return ()
    ref = _profile(base, order, weight_kg)
    pt = {
        name: (auc, cmax)
        for name, auc, cmax in _profile(with_effects(base, effects), order, weight_kg)
    }
    out = []
    for name, auc_ref, cmax_ref in ref:
        auc_pt, cmax_pt = pt[name]
        if auc_ref <= 0 or cmax_ref <= 0:
            continue
        out.append(ExposureRatio(name, auc_pt / auc_ref, cmax_pt / cmax_ref, effects))
    return tuple(out)


_MODELS: dict[int, tuple[Monograph, PkModel]] = {}


def _model_of(mono: Monograph) -> PkModel:
    """The monograph's model, built once per monograph object (checks run on a hot path; the
    cache holds the monograph, so its id cannot be reused while cached)."""
    hit = _MODELS.get(id(mono))
    if hit is None or hit[0] is not mono:
        hit = (mono, model_from_monograph(mono))
        _MODELS[id(mono)] = hit
    return hit[1]


def patient_exposure(
    mono: Monograph,
    patient: Patient,
    order: Order | None = None,
    causes: frozenset[str] | None = None,
    kidney: KidneyFunction | None = None,
) -> tuple[ExposureRatio, ...]:
    """Exposure change from the patient's covariates (kidney function, CYP2C19, age, ...), only
    those named in `causes` if given; empty when the drug has no model or nothing applies.
    `kidney`: the kidney function with a recorded kidney failure (see `covariate_effects`)."""
    if mono.pk.model is None:
        return ()
    effects, _ = covariate_effects(mono, patient, kidney=kidney)
    if causes is not None:
        effects = [e for e in effects if e.cause in causes]
    return _ratios(_model_of(mono), effects, order, patient.weight_kg)


_INTERACTIONS: dict[tuple[int, str, Order | None], tuple[ExposureRatio, ...]] = {}


def interaction_exposure(
    mono: Monograph, perpetrator: Ingredient, order: Order | None = None
) -> tuple[ExposureRatio, ...]:
    """Exposure change from one co-medication with a fold change in the interaction knowledge.
    Cached per (monograph, perpetrator, order): the safety check asks on every call."""
    if mono.pk.model is None:
        return ()
    base = _model_of(mono)  # keeps `mono` alive, so id(mono) is a sound key
    key = (id(mono), perpetrator.id, order)
    hit = _INTERACTIONS.get(key)
    if hit is None:
        effects, _ = interaction_effects(mono, [perpetrator], single_dose_cmax, base)
        hit = _ratios(base, effects, order, None)
        if len(_INTERACTIONS) > 4096:
            _INTERACTIONS.clear()
        _INTERACTIONS[key] = hit
    return hit
