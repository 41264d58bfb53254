"""Simulation: a model, dosing records, individuals and an output grid in; profiles and metrics out.

`simulate` is the mrgsolve-like core (everything is an explicit input). `simulate_regimen`
answers the clinical question for an order and a patient: it builds the patient's model
(covariates, interactions), the schedule (clock times, missed and extra doses, dose changes,
steady state), runs the typical patient and, if asked, a population, and computes the metrics,
optionally against a typical adult on the same regimen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from myorelax.clinical.liquids import volume_dose_mg
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient
from myorelax.clinical.recorded_conditions import recorded_kidney_function
from myorelax.clinical.regimen import Dose, Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import Ingredient
from myorelax.pk import metrics
from myorelax.pk.covariates import individualise, interaction_concerns, interaction_effects
from myorelax.pk.events import (
    DoseChange,
    DoseRecord,
    ExtraDose,
    MissedDose,
    Schedule,
    capped_doses,
    expand_records,
    schedule_from_order,
)
from myorelax.pk.kernel import compiled_kernels, compiled_threads, population_block
from myorelax.pk.models import PARAMETERS, PkModel, model_for
from myorelax.pk.population import (
    PERCENTILES,
    add_residual_error,
    check_factors,
    omega_cholesky,
    parameters_from,
    parameters_from_normals,
    standard_normals,
    typical_parameters,
)
from myorelax.pk.solver import (
    CENTRAL,
    DEPOT,
    METABOLITE,
    PYTHON_KERNEL_LIMIT,
    DoseArrays,
    Parameters,
    compute_modes,
    superpose,
)
from myorelax.units import has_dimension

FloatArray = NDArray[np.float64]
UNIT = "mg/L"
AUC_UNIT = "mg*h/L"
DEFAULT_STEP_H = 0.1
POPULATION_CHUNK = 50_000  # subjects per compiled pass and per metrics batch
# Subjects x output times a population simulation may hold: about 3 s on this 2-core machine
# (100,000 subjects x 1 day at 0.1 h took 3.4 s, most of it the per-subject metrics, not the
# kernel), and 160 MB per analyte; a million subjects over 7 days would need 13 GB.
MAX_POPULATION_VALUES = 20_000_000  # as the REST route's MAX_VALUES
ProgressHook = Callable[[int, int], None]


@dataclass(frozen=True)
class Profiles:
    """Concentrations (n_subjects, n_times) per analyte, with the inputs that produced them."""

    times_h: FloatArray
    concentrations: dict[str, NDArray[np.floating[Any]]]
    parameters: Parameters
    model: PkModel
    doses: DoseArrays


def simulate(
    model: PkModel,
    doses: DoseArrays,
    grid_h: FloatArray,
    parameters: Parameters | None = None,
    *,
    dtype: type[np.floating[Any]] = np.float64,
) -> Profiles:
    """Concentrations (mg/L) of the parent (and metabolite) on `grid_h` for each individual
    (the typical one when `parameters` is None)."""
    p = parameters if parameters is not None else typical_parameters(model)
    dosed = tuple(sorted({int(c) for c in doses.cmt})) or None
    modes = compute_modes(p, model.structure, dosed)
    outputs = {model.analyte: (CENTRAL, p.v_l)}
    if model.metabolite:
        outputs[model.metabolite] = (METABOLITE, p.vm_l)
    conc = superpose(modes, doses, grid_h, outputs, f=p.f, tlag_h=p.tlag_h, dtype=dtype)
    return Profiles(np.asarray(grid_h, dtype=np.float64), conc, p, model, doses)


def simulate_population(
    model: PkModel,
    doses: DoseArrays,
    grid_h: FloatArray,
    normals: FloatArray,
    *,
    factors: Mapping[str, FloatArray] | None = None,
    dtype: type[np.floating[Any]] = np.float64,
    out: NDArray[np.floating[Any]] | None = None,
) -> Profiles:
    """A population drawn from standard normals (`population.standard_normals`, one row per
    subject) and simulated: the same numbers as `simulate(model, doses, grid_h,
    parameters_from_normals(model, normals, factors=factors), dtype=dtype)`. Beyond a few
    subjects this is one compiled parallel pass (`kernel.population_sweep`: each block of
    subjects is sampled, gets its modal coefficients and is swept by one thread), which writes
    the result once and nothing else of its size.

    `out`, when given, is written in place and the concentrations are views of it: shape
    (number of analytes, len(grid_h), subjects), C-contiguous, in `dtype`. Reusing one buffer
    across calls skips the page faults of fresh memory."""
    z = np.ascontiguousarray(normals, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != len(model.iiv):
        raise InputError(f"needs one column per random effect ({len(model.iiv)})", field="normals")
    n = int(z.shape[0])
    grid = np.ascontiguousarray(grid_h, dtype=np.float64)
    names = [model.analyte, *([model.metabolite] if model.metabolite else [])]
    shape = (len(names), grid.size, n)
    if out is not None and (
        out.shape != shape or out.dtype != np.dtype(dtype) or not out.flags.c_contiguous
    ):
        raise InputError(
            f"must be a C-contiguous {np.dtype(dtype).name} array of shape {shape}", field="out"
        )
    if n <= PYTHON_KERNEL_LIMIT:
        prof = simulate(
            model, doses, grid, parameters_from_normals(model, z, factors=factors), dtype=dtype
        )
        if out is None:
            return prof
        for o, name in enumerate(names):
            out[o] = prof.concentrations[name].T
        conc = {name: out[o].T for o, name in enumerate(names)}
        return Profiles(prof.times_h, conc, prof.parameters, model, doses)
    if grid.ndim != 1 or (grid.size > 1 and bool(np.any(np.diff(grid) < 0))):
        raise InputError("must be a sorted one-dimensional array", field="grid_h")
    present = model.structure.present
    for c in np.unique(doses.cmt):
        if int(c) not in present or int(c) == METABOLITE:
            raise InputError(f"compartment {int(c)} cannot be dosed in this model", field="cmt")
    index = {c: i for i, c in enumerate(present)}
    inputs = sorted({int(c) for c in doses.cmt}) or [present[0]]
    slot = {c: i for i, c in enumerate(inputs)}
    given = check_factors(n, factors)
    factor_rows = np.array([given[p] for p in PARAMETERS if p in given]).reshape(-1, n)
    rows = {p: i for i, p in enumerate(p for p in PARAMETERS if p in given)}
    outputs = [(index[CENTRAL], PARAMETERS.index("v"))]
    if model.metabolite:
        outputs.append((index[METABOLITE], PARAMETERS.index("vm")))
    order = np.argsort(doses.time_h, kind="stable")
    cmt = doses.cmt[order]
    params = np.empty((len(PARAMETERS), n))
    kernels = compiled_kernels()
    result = out
    if result is None:
        result = np.empty(shape, dtype=dtype)
        kernels.touch(result.reshape(-1), 4096 // result.itemsize)  # one write per page
    kernels.population_sweep(
        z,
        np.ascontiguousarray(omega_cholesky(model), dtype=np.float64).reshape(
            z.shape[1], z.shape[1]
        ),
        np.array([model.value(p) for p in PARAMETERS], dtype=np.float64),
        np.array([model.iiv.index(p) if p in model.iiv else -1 for p in PARAMETERS]),
        np.array([rows.get(p, -1) for p in PARAMETERS], dtype=np.int64),
        np.ascontiguousarray(factor_rows, dtype=np.float64),
        DEPOT in index,
        model.structure.compartments == 2,
        model.structure.metabolite,
        np.array([index[c] for c in inputs], dtype=np.int64),
        np.array([o[0] for o in outputs], dtype=np.int64),
        np.array([o[1] for o in outputs], dtype=np.int64),
        np.array([slot[int(c)] for c in cmt], dtype=np.int64),
        np.ascontiguousarray(doses.time_h[order], dtype=np.float64),
        np.ascontiguousarray(doses.amount_mg[order], dtype=np.float64),
        np.ascontiguousarray(doses.rate_mg_per_h[order], dtype=np.float64),
        np.ascontiguousarray(doses.duration_h[order], dtype=np.float64),
        np.ascontiguousarray(doses.ss_interval_h[order], dtype=np.float64),
        np.asarray(cmt == DEPOT, dtype=np.bool_),
        grid,
        population_block(n, compiled_threads()),
        params,
        result,
    )
    parameters = parameters_from(dict(zip(PARAMETERS, params, strict=True)))
    conc = {name: result[o].T for o, name in enumerate(names)}
    return Profiles(grid, conc, parameters, model, doses)


def single_dose_cmax(model: PkModel, dose_mg: float = 1.0, hours: float = 72.0) -> float:
    """Peak concentration of one dose by the model's first route in the typical individual
    (fine grid)."""
    cmt = model.structure.default_cmt
    grid = np.linspace(0.0, hours, 14401)
    prof = simulate(model, expand_records([DoseRecord(0.0, dose_mg, cmt)]), grid)
    return float(prof.concentrations[model.analyte].max())


def single_dose_tmax(model: PkModel, dose_mg: float = 1.0, hours: float = 24.0) -> float:
    """Time of the peak of one dose by the model's first route in the typical individual, hours
    (fine grid)."""
    cmt = model.structure.default_cmt
    grid = np.linspace(0.0, hours, 4801)
    prof = simulate(model, expand_records([DoseRecord(0.0, dose_mg, cmt)]), grid)
    return float(grid[int(np.argmax(prof.concentrations[model.analyte]))])


@dataclass(frozen=True)
class AnalyteSummary:
    """Metrics of one analyte (typical individual) and, for a population, their percentiles."""

    name: str
    cmax: float
    tmax_h: float
    cmin: float | None
    auc_tau: float | None
    auc_inf: float
    half_life_h: float
    accumulation_ratio: float | None
    time_to_90pct_steady_state_h: float
    time_above_threshold_h: float | None
    concentrations: FloatArray
    percentiles: dict[str, FloatArray] | None = None
    metric_percentiles: dict[str, dict[str, float]] | None = None


@dataclass(frozen=True)
class Comparison:
    """This patient versus a typical adult on the same regimen."""

    analyte: str
    auc_ratio: float
    cmax_ratio: float
    # An effect was evaluated at the edge of the patient's band (kidney failure recorded without
    # a CrCl): the true ratios are at least these (the notes say why).
    lower_bound: bool = False


@dataclass(frozen=True)
class RegimenSimulation:
    drug: str
    regimen: str
    patient: dict[str, Any]
    model: PkModel
    schedule: Schedule
    times_h: FloatArray
    tau_h: float | None
    window_h: tuple[float, float]
    analytes: tuple[AnalyteSummary, ...]
    notes: tuple[str, ...]
    subjects: int
    seed: int | None
    comparison: tuple[Comparison, ...] = field(default=())
    comedications: tuple[str, ...] = ()
    # What could not be taken into account (a co-medication not identified): never silent.
    not_checked: tuple[NotChecked, ...] = ()


def _cycle(schedule: Schedule, grid_end: float) -> tuple[float | None, tuple[float, float]]:
    """The repeating period and the window of the last whole period that fits."""
    doses = schedule.doses
    if schedule.period_h <= 0 or doses.time_h.size < 2:
        return None, (0.0, grid_end)
    tau = schedule.period_h
    last_start = float(np.floor((grid_end + 1e-9) / tau) - 1) * tau
    if last_start < 0:
        return tau, (0.0, min(tau, grid_end))
    return tau, (last_start, last_start + tau)


def _period_doses(
    doses: DoseArrays, tau: float, window: tuple[float, float]
) -> list[tuple[int, float]]:
    """The doses given in the metrics window (row index in `doses`) and each one's dosing
    interval: the time to the next dose, the last one's to the first dose of the next period
    (the regimen repeats every `tau` hours)."""
    t = doses.time_h
    rows = [
        int(i)
        for i in np.argsort(t, kind="stable")
        if window[0] - 1e-9 <= t[i] < window[1] - 1e-9 and doses.ss_interval_h[i] <= 0
    ]
    out: list[tuple[int, float]] = []
    for j, i in enumerate(rows):
        nxt = float(t[rows[j + 1]]) if j + 1 < len(rows) else float(t[rows[0]]) + tau
        out.append((i, nxt - float(t[i])))
    return out


def _single_dose_interval_aucs(
    prof: Profiles, schedule: Schedule, tau: float, window: tuple[float, float]
) -> dict[str, FloatArray]:
    """The denominator of the accumulation ratio, per analyte and subject: the sum over the doses
    of the metrics window of the AUC each dose gives, given alone (no earlier dose, no steady
    state), over its own dosing interval. With one dose per period this is AUC(0-tau) after a
    single dose; see `accumulation_ratio`."""
    doses = schedule.doses
    period = _period_doses(doses, tau, window)
    if not period:
        return {}
    step = float(np.min(np.diff(prof.times_h))) if prof.times_h.size > 1 else DEFAULT_STEP_H
    total: dict[str, FloatArray] = {}
    for i, interval in period:
        if interval <= 0:
            continue
        n = max(2, round(interval / step) + 1)
        grid = np.linspace(0.0, interval, n)
        one = DoseArrays(
            time_h=np.zeros(1),
            amount_mg=doses.amount_mg[i : i + 1].astype(np.float64),
            rate_mg_per_h=doses.rate_mg_per_h[i : i + 1].astype(np.float64),
            cmt=doses.cmt[i : i + 1].copy(),
            ss_interval_h=np.zeros(1),
        )
        alone = simulate(prof.model, one, grid, prof.parameters)
        for name, conc in alone.concentrations.items():
            a = metrics.auc(grid, np.asarray(conc, dtype=np.float64), 0.0, interval)
            total[name] = total[name] + a if name in total else a
    return total


def accumulation_ratio(
    prof: Profiles, schedule: Schedule, tau: float, window: tuple[float, float]
) -> dict[str, FloatArray]:
    """Accumulation ratio per analyte and subject, R_ac = AUC(tau, ss) / AUC(0-tau, first dose):
    the AUC over a dosing interval at steady state over the AUC over the same interval after a
    single dose (Rowland and Tozer, Clinical Pharmacokinetics and Pharmacodynamics, 4th ed.,
    chapter 11; Boxenbaum and Battle, J Clin Pharmacol 1995;35:763-766, where it defines the
    effective half-life). With equal intervals in a one-compartment model it is
    1 / (1 - exp(-k tau)) for an intravenous bolus, and tends to it for an oral dose as
    absorption becomes fast.

    A regimen whose doses are unevenly spaced over its repeating period (tid at 08:00, 14:00,
    20:00) has no single interval; the period's AUC at steady state is divided by the sum of the
    single-dose AUCs of its doses, each over its own dosing interval: sum_i AUC_i(ss) /
    sum_i AUC_i(0-tau_i, single dose). With equal intervals and doses this is exactly the
    definition above. The numerator is the last whole period simulated (`window`): it is the
    steady-state value once the simulation is longer than the time to steady state (a note says
    when it is not)."""
    auc_period = {
        name: metrics.auc(prof.times_h, np.asarray(c, dtype=np.float64), *window)
        for name, c in prof.concentrations.items()
    }
    single = _single_dose_interval_aucs(prof, schedule, tau, window)
    out: dict[str, FloatArray] = {}
    for name, s in single.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = np.asarray(np.where(s > 0, auc_period[name] / s, np.nan), np.float64)
    return out


def _summaries(
    prof: Profiles,
    schedule: Schedule,
    tau: float | None,
    window: tuple[float, float],
    threshold_mg_l: float | None,
) -> dict[str, dict[str, FloatArray | None]]:
    t = prof.times_h
    out: dict[str, dict[str, FloatArray | None]] = {}
    cmt = int(schedule.doses.cmt[0]) if schedule.doses.cmt.size else None
    hl = metrics.terminal_rates(prof.model, prof.parameters, cmt)
    first_dose = float(schedule.doses.amount_mg[0]) if schedule.doses.amount_mg.size else 0.0
    auc_inf = metrics.auc_inf_single_dose(prof.model, prof.parameters, first_dose, cmt)
    single_dose_aucs = (
        _single_dose_interval_aucs(prof, schedule, tau, window) if tau is not None else {}
    )
    for name, conc in prof.concentrations.items():
        c = np.asarray(conc, dtype=np.float64)
        cmax, tmax = metrics.cmax_tmax(t, c, *window)
        m: dict[str, FloatArray | None] = {
            "cmax": cmax,
            "tmax_h": tmax,
            "auc_inf": auc_inf[name],
            "half_life_h": metrics.LN2 / hl[name],
            "time_to_90pct_steady_state_h": metrics.time_to_steady_state(hl[name]),
            "cmin": None,
            "auc_tau": None,
            "accumulation_ratio": None,
            "time_above_threshold_h": None,
        }
        if tau is not None:
            m["cmin"] = metrics.value_at(t, c, window[1])
            auc_tau = metrics.auc(t, c, *window)
            m["auc_tau"] = auc_tau
            single = single_dose_aucs.get(name)
            if single is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    m["accumulation_ratio"] = np.where(single > 0, auc_tau / single, np.nan)
        if threshold_mg_l is not None:
            m["time_above_threshold_h"] = metrics.time_above(t, c, threshold_mg_l)
        out[name] = m
    return out


def _pct(x: FloatArray | None) -> dict[str, float] | None:
    if x is None:
        return None
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def _grid(days: float, step_h: float) -> FloatArray:
    if not 0.001 <= step_h <= 24:
        raise InputError(f"must be between 0.001 and 24 hours, not {step_h:g}", field="step")
    end = days * 24.0
    n = round(end / step_h)
    return np.linspace(0.0, n * step_h, n + 1)


_FORM_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(odt|orally disintegrating)\b", re.I), "orally_disintegrating_tablet"),
    (re.compile(r"\b(caps?|capsules?)\b", re.I), "capsule"),
    (re.compile(r"\b(tabs?|tablets?)\b", re.I), "tablet"),
)


def order_form(order: Order, mono: Monograph) -> str | None:
    """The dosage form an order is taken as: the form its product or its text names (a capsule,
    a tablet), else the drug's only oral solid form; None when it cannot be told."""
    for text in (order.product or "", order.text):
        for pattern, form in _FORM_WORDS:
            if pattern.search(text):
                return form
    liquids = ("oral_solution", "oral_suspension")
    forms = {p.form for p in mono.products if p.route == "oral" and p.form not in liquids}
    return forms.pop() if len(forms) == 1 else None


def patient_summary(p: Patient) -> dict[str, Any]:
    keys = ("age_years", "sex", "weight_kg", "crcl_ml_min", "scr_mg_dl", "egfr_ml_min",
            "dialysis", "child_pugh", "cyp2c19")  # fmt: skip
    return {k: getattr(p, k) for k in keys if getattr(p, k) not in (None, False, "unknown")}


@dataclass(frozen=True)
class DosingEvents:
    """What happens to the order's schedule: missed doses, extra doses, dose changes, starting at
    steady state, and the infusion length of an intravenous order."""

    missed: tuple[MissedDose, ...] = ()
    extra: tuple[ExtraDose, ...] = ()
    changes: tuple[DoseChange, ...] = ()
    steady_state: bool = False
    infusion_h: float | None = None


@dataclass(frozen=True)
class OutputGrid:
    """Where concentrations are reported: every `step_h` hours for `days` days."""

    days: float = 7.0
    step_h: float = DEFAULT_STEP_H


@dataclass(frozen=True)
class PopulationSpec:
    """A simulated population around the patient: `subjects` drawn from the model's variability
    (0: the typical patient only), reproducible with `seed`, with residual error if asked."""

    subjects: int = 0
    seed: int | None = None
    residual: bool = False


@dataclass(frozen=True)
class RegimenRequest:
    """One simulation, as mrgsolve keeps them apart: the order and the patient (the model is
    chosen and individualised from them), the dosing events, the output grid, the population,
    and what to report beside the curve."""

    order: Order
    patient: Patient
    comedications: tuple[Ingredient, ...] = ()
    fed: bool = False
    events: DosingEvents = field(default_factory=DosingEvents)
    grid: OutputGrid = field(default_factory=OutputGrid)
    population: PopulationSpec = field(default_factory=PopulationSpec)
    compare_normal: bool = False
    threshold_mg_l: float | None = None


def simulate_regimen(
    order: Order,
    patient: Patient,
    kb: KnowledgeBase,
    *,
    days: float = 7.0,
    comedications: Sequence[Ingredient] = (),
    population: int = 0,
    seed: int | None = None,
    residual: bool = False,
    compare_normal: bool = False,
    step_h: float = DEFAULT_STEP_H,
    threshold_mg_l: float | None = None,
    missed: Sequence[MissedDose] = (),
    extra: Sequence[ExtraDose] = (),
    changes: Sequence[DoseChange] = (),
    steady_state: bool = False,
    fed: bool = False,
    infusion_h: float | None = None,
    progress: ProgressHook | None = None,
) -> RegimenSimulation:
    """Simulate an order for a patient (the keyword form of `simulate_request`)."""
    request = RegimenRequest(
        order=order,
        patient=patient,
        comedications=tuple(comedications),
        fed=fed,
        events=DosingEvents(
            missed=tuple(missed),
            extra=tuple(extra),
            changes=tuple(changes),
            steady_state=steady_state,
            infusion_h=infusion_h,
        ),
        grid=OutputGrid(days=days, step_h=step_h),
        population=PopulationSpec(subjects=population, seed=seed, residual=residual),
        compare_normal=compare_normal,
        threshold_mg_l=threshold_mg_l,
    )
    return simulate_request(request, kb, progress=progress)


def simulate_request(
    request: RegimenRequest, kb: KnowledgeBase, *, progress: ProgressHook | None = None
) -> RegimenSimulation:
    """Simulate a request; see the module docstring."""
    order, patient, comedications, fed = (
        request.order,
        request.patient,
        request.comedications,
        request.fed,
    )
    ev, out, pop = request.events, request.grid, request.population
    days, step_h = out.days, out.step_h
    population, seed, residual = pop.subjects, pop.seed, pop.residual
    compare_normal, threshold_mg_l = request.compare_normal, request.threshold_mg_l
    mono = kb.drugs.get(order.drug)
    if mono is None:
        raise InputError(
            f"{order.drug_name} has no monograph here; only the muscle relaxants and their "
            "comparators can be simulated",
            field="drug",
        )
    base = model_for(order.drug, kb)
    notes: list[str] = []
    if order.dose is not None and has_dimension(order.dose.unit, "mL"):
        # A volume of an oral liquid is the mg its product's concentration makes.
        mg = volume_dose_mg(mono, order)
        notes.append(f"{order.dose.value:g} mL simulated as {mg:g} mg.")
        order = order.model_copy(update={"dose": Dose(value=mg, unit="mg"), "tablets": None})
    if base.derived:
        notes.append(
            f"The {mono.name.lower()} model is derived from label summary values (see the knowledge base "
            "for the derivation), not a published population model."
        )
    capped = capped_doses(order)
    if capped is not None:
        notes.append(
            f"Simulated at the order's own cap of {capped} doses a day (the first {capped} of "
            "its clock times)."
        )
    elif order.prn:
        notes.append("As-needed order simulated at its full frequency (the most it allows).")
    kidney = recorded_kidney_function(patient, kb)
    ind = individualise(
        base,
        mono,
        patient,
        comedications,
        fed=fed,
        cmax_of=single_dose_cmax,
        form=order_form(order, mono),
        kidney=kidney,
    )
    notes.extend(ind.notes)
    not_checked = _unidentified_comedications(patient, mono)  # shown by every interface
    notes.extend(_unmodelled_interactions(mono, comedications, kb))
    model = ind.model
    schedule = schedule_from_order(
        order,
        model.structure,
        days=days,
        weight_kg=patient.weight_kg,
        missed=ev.missed,
        extra=ev.extra,
        changes=ev.changes,
        steady_state=ev.steady_state,
        infusion_h=ev.infusion_h,
    )
    grid = _grid(days, step_h)
    _check_population(population, seed, grid.size)
    tau, window = _cycle(schedule, float(grid[-1]))
    doses = schedule.doses
    typical = simulate(model, doses, grid)
    typ = _summaries(typical, schedule, tau, window, threshold_mg_l)
    to_ss = typ[model.analyte]["time_to_90pct_steady_state_h"]
    if tau is not None and to_ss is not None and float(grid[-1]) < float(np.asarray(to_ss)[0]):
        notes.append(
            f"The simulation ({days:g} days) is shorter than the time to 90% of steady state "
            f"({float(np.asarray(to_ss)[0]):.3g} h): the accumulation ratio and the last-cycle "
            "metrics are those reached by its end, below their steady-state values."
        )

    pop_stats: dict[str, dict[str, dict[str, float] | None]] = {}
    pop_bands: dict[str, dict[str, FloatArray]] = {}
    if population:
        if not model.iiv:
            notes.append(
                f"The {mono.name.lower()} model has no variability between subjects; the population "
                "equals the typical patient."
            )
        rng = np.random.default_rng(seed)
        normals = standard_normals(model, population, rng)  # the draws of sample_parameters
        chunk = POPULATION_CHUNK
        # (time points, subjects) per analyte, filled chunk by chunk: the percentiles over
        # subjects then partition each time point's contiguous row in place (no copy).
        acc: dict[str, FloatArray] = {}
        stats_acc: dict[str, dict[str, list[FloatArray]]] = {}
        done = 0
        while done < population:
            sl = slice(done, min(population, done + chunk))
            prof = simulate_population(model, doses, grid, normals[sl])
            if residual:
                prof = Profiles(
                    prof.times_h,
                    {k: add_residual_error(v, model, rng) for k, v in prof.concentrations.items()},
                    prof.parameters,
                    prof.model,
                    prof.doses,
                )
            for k, v in prof.concentrations.items():
                if k not in acc:
                    acc[k] = np.empty((grid.size, population), dtype=np.float64)
                acc[k][:, sl] = np.asarray(v).T
            for k, mm in _summaries(prof, schedule, tau, window, threshold_mg_l).items():
                for mk, mv in mm.items():
                    if mv is not None:
                        stats_acc.setdefault(k, {}).setdefault(mk, []).append(np.asarray(mv))
            done = sl.stop
            if progress:
                progress(done, population)
        for k, by_time in acc.items():
            p5, p50, p95 = np.percentile(by_time, PERCENTILES, axis=1, overwrite_input=True)
            pop_bands[k] = {"p5": p5, "p50": p50, "p95": p95}
            pop_stats[k] = {mk: _pct(np.concatenate(v)) for mk, v in stats_acc[k].items()}

    comparison: list[Comparison] = []
    if compare_normal:
        ref = simulate(base, doses, grid)
        ref_m = _summaries(ref, schedule, tau, window, None)
        for name, m in typ.items():
            a_pt = m["auc_tau"] if m["auc_tau"] is not None else m["auc_inf"]
            a_ref = (
                ref_m[name]["auc_tau"]
                if ref_m[name]["auc_tau"] is not None
                else ref_m[name]["auc_inf"]
            )
            assert a_pt is not None and a_ref is not None
            cm_ref = ref_m[name]["cmax"]
            assert m["cmax"] is not None and cm_ref is not None
            comparison.append(
                Comparison(
                    analyte=name,
                    auc_ratio=float(a_pt[0] / a_ref[0]),
                    cmax_ratio=float(m["cmax"][0] / cm_ref[0]),
                    lower_bound=any(e.lower_bound for e in model.effects),
                )
            )

    analytes = []
    for name, m in typ.items():

        def first(x: FloatArray | None) -> float | None:
            return None if x is None else float(np.asarray(x)[0])

        analytes.append(
            AnalyteSummary(
                name=name,
                cmax=float(first(m["cmax"]) or 0.0),
                tmax_h=float(first(m["tmax_h"]) or 0.0),
                cmin=first(m["cmin"]),
                auc_tau=first(m["auc_tau"]),
                auc_inf=float(first(m["auc_inf"]) or 0.0),
                half_life_h=float(first(m["half_life_h"]) or 0.0),
                accumulation_ratio=first(m["accumulation_ratio"]),
                time_to_90pct_steady_state_h=float(first(m["time_to_90pct_steady_state_h"]) or 0.0),
                time_above_threshold_h=first(m["time_above_threshold_h"]),
                concentrations=np.asarray(typical.concentrations[name][0], dtype=np.float64),
                percentiles=pop_bands.get(name),
                metric_percentiles=pop_stats.get(name),  # type: ignore[arg-type]
            )
        )
    return RegimenSimulation(
        drug=mono.id,
        regimen=schedule.description,
        patient=patient_summary(patient),
        model=model,
        schedule=schedule,
        times_h=grid,
        tau_h=tau,
        window_h=window,
        analytes=tuple(analytes),
        notes=tuple(notes),
        subjects=population or 1,
        seed=seed,
        comparison=tuple(comparison),
        comedications=tuple(c.name for c in comedications),
        not_checked=not_checked,
    )


def _check_population(subjects: int, seed: int | None, points: int) -> None:
    """The population fits in `MAX_POPULATION_VALUES` concentrations; the seed is usable."""
    if seed is not None and seed < 0:
        raise InputError(f"must be a whole number of 0 or more, not {seed}", field="seed")
    if subjects < 0:
        raise InputError(f"must be 0 or more, not {subjects}", field="population")
    if subjects * points > MAX_POPULATION_VALUES:
        most = max(1, MAX_POPULATION_VALUES // points)
        raise InputError(
            f"{subjects:,} subjects x {points:,} time points is more than the "
            f"{MAX_POPULATION_VALUES:,} concentrations one simulation computes here (a few "
            f"seconds); at most {most:,} subjects with this grid (fewer days or a longer step "
            "allow more)",
            field="population",
        )


def _unidentified_comedications(patient: Patient, mono: Monograph) -> tuple[NotChecked, ...]:
    """The patient's medications that could not be identified: their effect on this drug's
    exposure is unknown, so each is a not-checked item naming it."""
    return tuple(
        NotChecked(
            kind="medication",
            item=n.item,
            reason=n.reason,
            detail=f"Co-medication {n.item!r} not identified ({n.detail}): its effect on "
            f"{mono.name.lower()} exposure was not checked and is not in this simulation.",
        )
        for n in patient.not_checked
        if n.kind == "medication"
    )


def _unmodelled_interactions(
    mono: Monograph, comedications: Sequence[Ingredient], kb: KnowledgeBase
) -> list[str]:
    """Notes for the co-medications that the safety check's interaction knowledge pairs with this
    drug but whose interaction the simulation does not carry: no change in this drug's exposure
    is recorded (a pharmacodynamic interaction, or one on the co-medication's exposure)."""
    notes: list[str] = []
    for ing in comedications:
        if interaction_effects(mono, [ing])[0]:
            continue  # modelled (the notes of individualise say which one was applied)
        own = [x for x in mono.interactions if interaction_concerns(x, ing.id, ing.groups)]
        other = kb.drugs.get(ing.id)
        mine = (*mono.classes, *(g.id for g in kb.groups.values()
                                 if any(m.name == mono.id for m in g.members)))  # fmt: skip
        theirs = [
            x
            for x in (other.interactions if other else ())
            if interaction_concerns(x, mono.id, mine)
        ]
        found = {x.id: x for x in (*own, *theirs)}
        if not found:
            continue
        what = "; ".join(f"{x.kind}: {x.consequence.rstrip('.')}" for x in found.values())
        notes.append(
            f"{ing.name}: the safety check has an interaction with {mono.name.lower()} that this "
            f"simulation does not model (no change in {mono.name.lower()} exposure recorded) - "
            f"{what}. See the check for its grade and advice."
        )
    return notes
