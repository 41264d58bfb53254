"""From a patient (and the drugs taken with it) to parameter effects, each with its reason.

The knowledge base holds the covariate effects (renal function on baclofen clearance, CYP2C19
phenotype on carisoprodol, age, sex, liver disease, dialysis) and the interactions with a fold
change in exposure (CYP1A2 inhibitors on tizanidine). What the patient record does not say is
not guessed: the typical adult is used and a note says so plainly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from myorelax.clinical.patient import KidneyFunction, Patient, kidney_function
from myorelax.knowledge.schema import (
    CategoricalCovariate,
    Interaction,
    Monograph,
    PowerCovariate,
    RenalCovariate,
)
from myorelax.knowledge.terminology import Ingredient
from myorelax.pk.models import Effect, PkModel, with_effects
from myorelax.units import convert


@dataclass(frozen=True)
class Individualised:
    """A model with the patient's effects applied, and what was assumed for lack of data."""

    model: PkModel
    notes: tuple[str, ...]


def _failure_bound(kf: KidneyFunction) -> float | None:
    """The GFR (mL/min) at which to evaluate a recorded kidney failure: its band's upper bound,
    when no CrCl was given or the CrCl given does not fit the failure (the lower band, as the
    kidney check reads it); None when a CrCl within the band or no failure is recorded."""
    below = kf.failure_gfr_below
    if below is None or (kf.crcl_ml_min is not None and kf.crcl_ml_min < below):
        return None
    return below


def _category(
    p: Patient,
    cov: CategoricalCovariate,
    fed: bool,
    form: str | None,
    kf: KidneyFunction,
) -> tuple[str | None, bool]:
    """The patient's category for a categorical covariate, and whether it is known."""
    match cov.covariate:
        case "dosage_form":
            return form, form is not None
        case "cyp2c19":
            return p.cyp2c19, p.cyp2c19 is not None
        case "age_group":
            if p.age_years is None or cov.from_age is None:
                return None, False
            elderly_from = convert(cov.from_age.lower, cov.from_age.unit, "year")
            return ("elderly" if p.age_years >= elderly_from else "adult"), True
        case "sex":
            return (None, False) if p.sex == "unknown" else (p.sex, True)
        case "crcl_below_25_ml_min":
            if kf.dialysis:
                return "yes", True
            bound = _failure_bound(kf)
            if bound is not None and bound <= 25:
                return "yes", True  # kidney failure: below 15 mL/min by definition
            if kf.crcl_ml_min is None:
                return None, False
            return ("yes" if kf.crcl_ml_min < 25 else "no"), True
        case "hepatic_impairment":
            return p.liver_impairment, True
        case "dialysis":
            return ("hemodialysis" if p.dialysis else "none"), True
        case "alcohol_use":
            heavy = "alcohol_use_disorder" in p.has_condition
            return ("heavy_chronic_drinking" if heavy else "none"), True
        case "food":
            return ("high_fat_meal" if fed else "fasted"), True
        case _:
            return None, False


_LABELS = {
    "cyp2c19": "CYP2C19 phenotype",
    "age_group": "age",
    "sex": "sex",
    "crcl_below_25_ml_min": "kidney function",
    "hepatic_impairment": "liver function",
    "dosage_form": "dosage form",
}


def _describe(cov: CategoricalCovariate) -> str:
    what = {"cl": "clearance", "v": "volume", "fraction_formed": "metabolite formation"}.get(
        cov.parameter, cov.parameter
    )
    cat = {"yes": "", "PM": "poor metaboliser"}.get(cov.category, cov.category.replace("_", " "))
    name = cov.covariate.replace("_", " ") if cov.category == "yes" else cat
    return f"{name} on {what} (x{cov.factor.upper:g})"


# Covariates that stand for a co-medication: the interaction knowledge applies them instead, so
# that one effect is not counted twice.
_FROM_INTERACTIONS = frozenset({"oral_contraceptive"})

# A study in cirrhosis applies to any graded liver impairment (Child-Pugh A is cirrhosis too).
_HEPATIC_ORDER = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "cirrhosis": 1}


def _hepatic_applies(covariate_category: str, patient_category: str) -> bool:
    """A liver effect applies to its grade and worse."""
    if patient_category == "unknown_grade":
        return True  # the cautious reading: an ungraded liver disease counts
    return _HEPATIC_ORDER.get(patient_category, 0) >= _HEPATIC_ORDER.get(covariate_category, 9)


def covariate_effects(
    mono: Monograph,
    patient: Patient,
    *,
    fed: bool = False,
    form: str | None = None,
    kidney: KidneyFunction | None = None,
) -> tuple[list[Effect], list[str]]:
    """Effects of the patient's covariates on the drug's parameters, and notes on what was
    unknown and therefore taken as typical. `form` is the dosage form taken (tablet, capsule):
    an effect that holds for one form only applies when it is that form, and when the form is
    not given a note says the effect was not applied. `kidney`: the kidney function with a
    recorded kidney failure (`recorded_kidney_function`); without it, the laboratory values only.
    Kidney failure recorded without a CrCl (or with one that does not fit it) is evaluated at
    its band's upper bound (CrCl 15 mL/min for G5), an effect marked `lower_bound`: exposure is
    at least that; a note says so."""
    effects: list[Effect] = []
    notes: list[str] = []
    unapplied: dict[str, list[str]] = {}  # form -> effects not applied (form not given)
    kf = kidney if kidney is not None else kidney_function(patient)
    for cov in mono.pk.covariates:
        if isinstance(cov, RenalCovariate):
            fr = float(cov.fraction_renal.upper)  # the larger fraction: the larger rise
            ref = convert(cov.reference_crcl.upper, cov.reference_crcl.unit, "mL/min")
            bound = _failure_bound(kf)
            at_least = False
            if kf.dialysis:
                crcl = 0.0
                why = "on dialysis: no renal clearance between sessions"
            elif bound is not None:
                crcl = min(bound, ref)
                at_least = True
                given = (
                    "no CrCl given"
                    if kf.crcl_ml_min is None
                    else f"the CrCl of {kf.crcl_ml_min:g} mL/min ({kf.crcl_basis}) does not fit it"
                )
                why = (
                    f"{kf.failure_basis} recorded ({given}), evaluated at CrCl {bound:g} mL/min, "
                    "the top of its band"
                )
                notes.append(
                    f"{(kf.failure_basis or 'kidney failure').capitalize()} recorded, GFR below "
                    f"{bound:g} mL/min by its definition, and {given}: {mono.name} clearance was "
                    f"evaluated at CrCl {bound:g} mL/min, the top of that band. The true exposure "
                    "is at least the one shown (higher the lower the kidney function); give "
                    "--crcl or --scr with age and weight for an estimate."
                )
            elif kf.crcl_ml_min is None:
                notes.append(
                    f"{_kidney_unknown(kf)}; {mono.name} clearance depends on it and was taken "
                    "as typical. Give --crcl or --scr with age and weight."
                )
                continue
            else:
                crcl = min(kf.crcl_ml_min, ref)
                why = f"CrCl {kf.crcl_ml_min:g} mL/min ({kf.crcl_basis})"
            factor = (1 - fr) + fr * crcl / ref
            if abs(factor - 1) > 1e-12:
                effects.append(
                    Effect(
                        "cl",
                        factor,
                        f"{why}: clearance {'at most ' if at_least else ''}x{factor:.2f} "
                        f"(renal fraction {fr:g}, reference CrCl {ref:g} mL/min)",
                        cov.fraction_renal.source or cov.source,
                        cov.section,
                        "renal",
                        lower_bound=at_least,
                    )
                )
        elif isinstance(cov, CategoricalCovariate):
            if cov.covariate in _FROM_INTERACTIONS:
                continue
            cat, known = _category(patient, cov, fed, form, kf)
            if not known:
                label = _LABELS.get(cov.covariate, cov.covariate.replace("_", " "))
                unknown = (
                    _kidney_unknown(kf)
                    if label == "kidney function" and kf.egfr_ml_min is not None
                    else f"{label} not given"
                )
                notes.append(f"{unknown}: the effect of {_describe(cov)} was not applied.")
                continue
            hit = (
                _hepatic_applies(cov.category, str(cat))
                if cov.covariate == "hepatic_impairment"
                else cat == cov.category
            )
            if hit and cov.form is not None and form != cov.form:
                if form is None:
                    unapplied.setdefault(cov.form, []).append(_describe(cov))
                continue
            if hit:
                # A liver study of a milder grade than the patient's: the change is at least
                # the one studied (worse impairment, less clearance), and that is said.
                beyond = (
                    cov.covariate == "hepatic_impairment"
                    and _HEPATIC_ORDER.get(str(cat), 0) > _HEPATIC_ORDER.get(cov.category, 9)
                    and not any(
                        c.category == str(cat)
                        for c in mono.pk.covariates
                        if isinstance(c, CategoricalCovariate) and c.covariate == cov.covariate
                    )
                )
                if beyond:
                    notes.append(
                        f"Liver impairment {str(cat).replace('_', ' ')}: {mono.name} was studied "
                        f"in {_studied(cov.category)} only; that effect was applied, and the "
                        "true exposure is likely at least the one shown."
                    )
                effects.append(
                    Effect(
                        _parameter(cov.parameter),
                        float(cov.factor.upper),
                        f"{cov.covariate.replace('_', ' ')} {cov.category.replace('_', ' ')}"
                        + (f" ({cov.form.replace('_', ' ')})" if cov.form else "")
                        + f": {cov.parameter} {'at most ' if beyond else ''}"
                        + f"x{cov.factor.upper:g}",
                        cov.factor.source or cov.source,
                        cov.factor.section or cov.section,
                        cov.covariate,
                        lower_bound=beyond,
                    )
                )
        elif isinstance(cov, PowerCovariate):
            value = _continuous(patient, cov.covariate)
            if value is None:
                notes.append(
                    f"{cov.covariate.replace('_', ' ')} unknown: typical value used for "
                    f"{cov.parameter}."
                )
                continue
            ref = float(cov.reference.upper)
            exp = float(cov.exponent.upper)
            factor = (value / ref) ** exp
            effects.append(
                Effect(
                    _parameter(cov.parameter),
                    factor,
                    f"{cov.covariate.replace('_', ' ')} {value:g} (reference {ref:g}, exponent "
                    f"{exp:g}): {cov.parameter} x{factor:.2f}",
                    cov.source,
                    cov.section,
                    cov.covariate,
                )
            )
    notes += _not_modelled(mono, patient)
    if unapplied:
        notes.append(
            "dosage form not given (say tablet or capsule): "
            + "; ".join(
                f"for the {f.replace('_', ' ')}, {', '.join(d)}" for f, d in unapplied.items()
            )
            + " were not applied."
        )
    return effects, notes


def _kidney_unknown(kf: KidneyFunction) -> str:
    """Why the CrCl the kidney covariates need is unknown: an eGFR alone is not converted
    (Cockcroft-Gault needs serum creatinine, age and weight), and that is said."""
    if kf.egfr_ml_min is None:
        return f"Kidney function unknown ({kf.crcl_basis})"
    basis = "given" if kf.egfr_basis == "given" else f"known ({kf.egfr_basis})"
    return (
        f"eGFR {kf.egfr_ml_min:g} mL/min/1.73 m2 {basis} but the model uses CrCl "
        "(Cockcroft-Gault): give scr, age and weight, or crcl"
    )


def _studied(category: str) -> str:
    words = category.replace("_", " ")
    return words if words == "cirrhosis" else f"{words} liver impairment"


def _not_modelled(mono: Monograph, patient: Patient) -> list[str]:
    """What the patient has that the drug's model does not carry (never silent): liver
    impairment without a liver covariate, an active metabolite without a metabolite model."""
    notes: list[str] = []
    liver = patient.liver_impairment
    has_liver = any(
        isinstance(c, CategoricalCovariate) and c.covariate == "hepatic_impairment"
        for c in mono.pk.covariates
    )
    if liver != "none" and not has_liver:
        said = mono.populations.hepatic.statements
        notes.append(
            f"Liver impairment ({liver.replace('_', ' ')}): its effect on {mono.name} is not "
            "modelled here (no quantitative source in the knowledge base); the exposure shown "
            "is that of normal liver function and is likely an underestimate"
            + (f". The label: {said[0].text}" if said else ".")
        )
    model = mono.pk.model
    notes += [f"Not modelled: {what}." for what in (model.not_modelled if model else ())]
    if model is not None and model.metabolite is None and mono.active_metabolites:
        names = ", ".join(m.drug for m in mono.active_metabolites)
        notes.append(
            f"Active metabolite ({names}) not modelled: only {mono.name} itself is simulated."
        )
    return notes


def _parameter(name: str) -> str:
    return {"fraction_formed": "fm"}.get(name, name)


def _continuous(p: Patient, covariate: str) -> float | None:
    return {"weight_kg": p.weight_kg, "weight": p.weight_kg, "age_years": p.age_years}.get(
        covariate
    )


def interaction_concerns(x: Interaction, drug: str, groups: Iterable[str]) -> bool:
    """Whether an interaction's object is this drug, or a group it belongs to."""
    if x.object.drug is not None:
        return x.object.drug == drug
    return x.object.group is not None and x.object.group in groups


def _matches(x: Interaction, ing: Ingredient) -> bool:
    return interaction_concerns(x, ing.id, ing.groups)


@dataclass(frozen=True)
class InteractionEffect:
    interaction: Interaction
    perpetrator: str
    auc_ratio: float


def interaction_effects(
    mono: Monograph,
    comedications: Iterable[Ingredient],
    cmax_of: Callable[[PkModel], float] | None = None,
    model: PkModel | None = None,
) -> tuple[list[Effect], list[str]]:
    """Effects of co-medications with a fold change in exposure in the interaction knowledge.

    Several perpetrators of one drug do not multiply (they act on the same pathway): the one with
    the largest rise in exposure is applied (or, with only inducers, the largest fall). The AUC
    ratio R scales CL/F by 1/R. How V/F changes decides the peak: with a known half-life ratio h,
    V/F is scaled by h/R; with a known Cmax ratio, the V/F factor that reproduces it is solved for
    (`cmax_of` simulates a single dose); with neither, V/F is kept (the elimination half-life then
    rises R-fold, the cautious reading for accumulation), and a note says so.
    """
    found: list[InteractionEffect] = []
    for ing in comedications:
        for x in mono.interactions:
            if x.exposure is None or x.exposure.auc_ratio is None or not _matches(x, ing):
                continue
            found.append(InteractionEffect(x, ing.name, float(x.exposure.auc_ratio.upper)))
    if not found:
        return [], []
    rises = [f for f in found if f.auc_ratio >= 1]
    chosen = (
        max(rises, key=lambda f: f.auc_ratio) if rises else min(found, key=lambda f: f.auc_ratio)
    )
    x = chosen.interaction
    assert x.exposure is not None and x.exposure.auc_ratio is not None
    r = chosen.auc_ratio
    src = x.exposure.auc_ratio.source or x.exposure.source or x.source
    sec = x.exposure.auc_ratio.section or x.exposure.section or x.section
    effects = [
        Effect(
            "cl",
            1 / r,
            f"{chosen.perpetrator}: AUC x{r:g} ({x.id}): CL/F x{1 / r:.3g}",
            src,
            sec,
            "interaction",
        )
    ]
    notes: list[str] = []
    if len(found) > 1:
        others = sorted({f.perpetrator for f in found if f is not chosen})
        notes.append(
            f"Also interacting: {', '.join(others)}; only the largest change ({chosen.perpetrator}) "
            "was applied, as effects on one pathway do not multiply."
        )
    if x.exposure.half_life_ratio is not None:
        h = float(x.exposure.half_life_ratio.upper)
        effects.append(
            Effect(
                "v",
                h / r,
                f"{chosen.perpetrator}: half-life x{h:g}: V/F x{h / r:.3g}",
                src,
                sec,
                "interaction",
            )
        )
    elif x.exposure.cmax_ratio is not None and cmax_of is not None and model is not None:
        target = float(x.exposure.cmax_ratio.upper)
        g = _solve_volume_factor(model, effects[0], r, target, cmax_of)
        effects.append(
            Effect(
                "v",
                g,
                f"{chosen.perpetrator}: V/F x{g:.3g} reproduces the reported Cmax x{target:g}",
                src,
                sec,
                "interaction",
            )
        )
    else:
        notes.append(
            f"{chosen.perpetrator}: only the AUC change is known; V/F was kept, so the half-life "
            f"rises {r:g}-fold (cautious for accumulation)."
        )
    return effects, notes


@lru_cache(maxsize=256)
def _solve_volume_factor(
    model: PkModel, cl_effect: Effect, r: float, target: float, cmax_of: Callable[[PkModel], float]
) -> float:
    """Bisection (on the log scale) for the V/F factor between 1/R and 1 giving Cmax ratio target."""
    base = cmax_of(model)
    with_cl = with_effects(model, (cl_effect,))

    def ratio(g: float) -> float:
        return cmax_of(with_effects(with_cl, (Effect("v", g, "trial"),))) / base

    lo, hi = math.log(min(1.0, 1 / r)), math.log(max(1.0, 1 / r))
    f_lo, f_hi = ratio(math.exp(lo)), ratio(math.exp(hi))
    # Cmax falls as V/F grows: f_lo >= f_hi.
    if target >= f_lo:
        return math.exp(lo)
    if target <= f_hi:
        return math.exp(hi)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if ratio(math.exp(mid)) > target:
            lo = mid
        else:
            hi = mid
    return math.exp(0.5 * (lo + hi))


def individualise(
    model: PkModel,
    mono: Monograph,
    patient: Patient,
    comedications: Iterable[Ingredient] = (),
    *,
    fed: bool = False,
    cmax_of: Callable[[PkModel], float] | None = None,
    form: str | None = None,
    kidney: KidneyFunction | None = None,
) -> Individualised:
    """The model for this patient: covariate effects, then interaction effects. `form` is the
    dosage form taken (tablet, capsule), for effects that hold for one form only; `kidney` the
    kidney function with a recorded kidney failure (`recorded_kidney_function`)."""
    cov, notes = covariate_effects(mono, patient, fed=fed, form=form, kidney=kidney)
    m = with_effects(model, tuple(cov))
    inter, inter_notes = interaction_effects(mono, comedications, cmax_of, m)
    return Individualised(with_effects(m, tuple(inter)), tuple(notes + inter_notes))
