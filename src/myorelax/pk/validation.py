"""Typical-subject simulations against the summary values reported in labels and papers.

For every single-dose study in a monograph's `pk.observed`, the drug's model is run for that dose
and route, and Cmax, Tmax, AUC and half-life are compared with the reported means. Tolerances are
stated per metric; `docs/validation.md` gets this table (with the population check of
`vpc.py` and the renal-subgroup table below) from `myorelax.cli.pk_validation_doc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from myorelax.clinical.patient import Patient
from myorelax.knowledge.schema import KnowledgeBase, Monograph, Observed
from myorelax.pk import metrics
from myorelax.pk.covariates import covariate_effects
from myorelax.pk.events import DoseRecord, expand_records
from myorelax.pk.models import Effect, NoModelError, PkModel, model_from_monograph, with_effects
from myorelax.pk.population import typical_parameters
from myorelax.pk.simulate import simulate
from myorelax.units import convert

# Relative tolerance per metric: the ratio simulated/reported must lie in [1/(1+t), 1+t].
TOLERANCE = {"auc": 0.25, "half_life": 0.25, "cmax": 0.35, "tmax": 0.50}
REFERENCE_WEIGHT_KG = 70.0  # for doses per kg; the models are for a 70 kg adult
_SINGLE = re.compile(r"\bsingle\b", re.IGNORECASE)


@dataclass(frozen=True)
class ValidationRow:
    """One reported value and the typical-subject simulation of the same study."""

    drug: str
    analyte: str
    study: str
    source: str
    metric: str
    reported: float
    simulated: float
    unit: str
    tolerance: float
    conditions: str = ""

    @property
    def ratio(self) -> float:
        return self.simulated / self.reported

    @property
    def within(self) -> bool:
        return 1 / (1 + self.tolerance) <= self.ratio <= 1 + self.tolerance


def _route_ok(model: PkModel, obs: Observed) -> bool:
    """Whether the model describes the study's route (a model may describe two)."""
    return obs.route in model.structure.routes


def study_patient(obs: Observed) -> tuple[Patient, bool]:
    """The covariates a study's description implies (sex, older age) and whether it was fed."""
    text = obs.regimen.lower()
    data: dict[str, object] = {}
    if re.search(r"\bwomen\b", text) and not re.search(r"\bmen\b", text):
        data["sex"] = "female"
    elif re.search(r"\bmen\b", text) and not re.search(r"\bwomen\b", text):
        data["sex"] = "male"
    if re.search(r"older adults|elderly", text):
        data["age_years"] = 70.0
    fed = bool(re.search(r"high-fat|\bfed\b|breakfast|\bmeal\b", text))
    return Patient.model_validate(data), fed


def study_form(obs: Observed) -> str | None:
    """The dosage form a study's description names (tablet or capsule), if only one."""
    text = obs.regimen.lower()
    tablet, capsule = (
        bool(re.search(r"\btablets?\b", text)),
        bool(re.search(r"\bcapsules?\b", text)),
    )
    return "tablet" if tablet and not capsule else "capsule" if capsule and not tablet else None


@dataclass(frozen=True)
class StudySetup:
    """A reported single-dose study as the simulator runs it: the model with the study's
    conditions applied, the dose and the compartment it goes into."""

    model: PkModel
    dose_mg: float
    cmt: int
    effects: tuple[Effect, ...]


def study_setup(mono: Monograph, obs: Observed) -> StudySetup | None:
    """The study's model, dose and conditions; None when it cannot be simulated as a single
    dose (no model, another analyte, no single dose, another route)."""
    try:
        base = model_from_monograph(mono)
    except NoModelError:
        return None
    patient, fed = study_patient(obs)
    effects, _ = covariate_effects(mono, patient, fed=fed, form=study_form(obs))
    model = with_effects(base, tuple(effects))
    if obs.analyte not in (model.analyte, model.metabolite) or obs.dose.value is None:
        return None
    if not _SINGLE.search(obs.regimen) or not _route_ok(model, obs):
        return None
    if obs.dose.unit == "mg/kg":
        dose_mg = obs.dose.value * REFERENCE_WEIGHT_KG
    else:
        dose_mg = convert(obs.dose.value, obs.dose.unit, "mg")
    cmt = model.structure.cmt_for(obs.route)
    return StudySetup(model, dose_mg, cmt, tuple(effects))


def validate_observed(mono: Monograph, obs: Observed) -> list[ValidationRow]:
    """Rows for one reported study (empty when it cannot be simulated as a single dose). The
    study's own conditions (fed, women, older adults) are applied through the model's covariates
    where it has them."""
    setup = study_setup(mono, obs)
    if setup is None:
        return []
    model, dose_mg, cmt, effects = setup.model, setup.dose_mg, setup.cmt, setup.effects
    hours = 24.0 * 14
    grid = np.linspace(0.0, hours, int(hours / 0.01) + 1)
    prof = simulate(model, expand_records([DoseRecord(0.0, dose_mg, cmt)]), grid)
    conc = np.asarray(prof.concentrations[obs.analyte], dtype=np.float64)
    params = typical_parameters(model)
    cmax, tmax = metrics.cmax_tmax(grid, conc, 0.0, hours)
    auc_inf = metrics.auc_inf_single_dose(model, params, dose_mg, cmt)[obs.analyte]
    t_half = metrics.half_lives(model, params, cmt)[obs.analyte]
    src = obs.source or ""
    rows: list[ValidationRow] = []

    def add(metric: str, reported_unit: str, value: float, simulated: float, tol: str) -> None:
        rows.append(
            ValidationRow(
                drug=mono.id,
                analyte=obs.analyte,
                study=obs.regimen,
                source=src,
                metric=metric,
                reported=value,
                simulated=simulated,
                unit=reported_unit,
                tolerance=TOLERANCE[tol],
                conditions="; ".join(e.reason for e in effects),
            )
        )

    if obs.cmax is not None and obs.cmax.value is not None:
        u = obs.cmax.unit
        add("Cmax", u, obs.cmax.value, convert(float(cmax[0]), "mg/L", u), "cmax")
    if obs.tmax is not None and obs.tmax.value is not None:
        add("Tmax", "h", convert(obs.tmax.value, obs.tmax.unit, "h"), float(tmax[0]), "tmax")
    for label, amt in (("AUCinf", obs.auc_inf), ("AUClast (vs AUCinf)", obs.auc_last)):
        if amt is not None and amt.value is not None:
            add(label, amt.unit, amt.value, convert(float(auc_inf[0]), "mg*h/L", amt.unit), "auc")
    if obs.half_life is not None and obs.half_life.value is not None:
        hl = convert(obs.half_life.value, obs.half_life.unit, "h")
        add("half-life", "h", hl, float(t_half[0]), "half_life")
    return rows


def validation_table(kb: KnowledgeBase) -> list[ValidationRow]:
    """Every comparable reported value in the knowledge base, drug by drug."""
    rows: list[ValidationRow] = []
    for drug_id in sorted(kb.drugs):
        mono = kb.drugs[drug_id]
        for obs in mono.pk.observed:
            rows.extend(validate_observed(mono, obs))
    return rows


@dataclass(frozen=True)
class RenalSubgroupRow:
    """A published renal-impairment group: its reported AUC ratio (versus the study's reference
    group) and the one the renal covariate predicts, as the kidney alert computes it."""

    drug: str
    label: str
    crcl: str
    representative_crcl: float
    reference_crcl: float
    reported: float
    predicted: float
    source: str
    tolerance: float = TOLERANCE["auc"]

    @property
    def ratio(self) -> float:
        return self.predicted / self.reported

    @property
    def within(self) -> bool:
        return 1 / (1 + self.tolerance) <= self.ratio <= 1 + self.tolerance


def _auc_at_crcl(mono: Monograph, base: PkModel, crcl_ml_min: float) -> float:
    """Single-dose AUC (per mg) of a subject with this CrCl, through the covariate code the
    safety check uses."""
    patient = Patient.model_validate({"crcl_ml_min": crcl_ml_min})
    effects, _ = covariate_effects(mono, patient)
    model = with_effects(base, tuple(e for e in effects if e.cause == "renal"))
    params = typical_parameters(model)
    return float(metrics.auc_inf_single_dose(model, params, 1.0)[model.analyte][0])


def renal_subgroup_table(kb: KnowledgeBase) -> list[RenalSubgroupRow]:
    """Every published renal subgroup in the knowledge base against the model's prediction."""
    rows: list[RenalSubgroupRow] = []
    for drug_id in sorted(kb.drugs):
        mono = kb.drugs[drug_id]
        try:
            base = model_from_monograph(mono)
        except NoModelError:
            continue
        for cov in mono.pk.covariates:
            for g in getattr(cov, "subgroups", ()):
                c = convert(g.representative_crcl.upper, g.representative_crcl.unit, "mL/min")
                ref = convert(g.reference_crcl.upper, g.reference_crcl.unit, "mL/min")
                predicted = _auc_at_crcl(mono, base, c) / _auc_at_crcl(mono, base, ref)
                rows.append(
                    RenalSubgroupRow(
                        drug=drug_id,
                        label=g.label,
                        crcl=g.crcl.text(),
                        representative_crcl=c,
                        reference_crcl=ref,
                        reported=float(g.auc_ratio.upper),
                        predicted=predicted,
                        source=g.source or cov.source or "",
                    )
                )
    return rows
