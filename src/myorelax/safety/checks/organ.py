"""Kidney and liver checks.

MRX-RENAL-001 kidney function below a labelled or published threshold for the drug
MRX-RENAL-002 dialysis
MRX-RENAL-003 kidney function unknown where the decision needs it
MRX-BEERS-002 baclofen with eGFR below 60 at 65 and over (a Beers-sourced renal threshold)
MRX-HEP-001 liver impairment for which the drug has a labelled adjustment or restriction
MRX-HEP-002 a drug with a hepatotoxicity warning: monitor the liver
"""

from __future__ import annotations

import re

from myorelax.clinical.hepatic import matches
from myorelax.clinical.patient import KidneyFunction
from myorelax.clinical.regimen import Order
from myorelax.knowledge.schema import (
    SEVERITY_ORDER,
    Amount,
    Monograph,
    Release,
    RenalAdjustment,
)
from myorelax.pk.exposure import patient_exposure
from myorelax.safety.alert import Alert
from myorelax.safety.checks.common import exposure_from, fmt, make_alert, simulated_note
from myorelax.safety.context import CheckContext
from myorelax.units import convert, has_dimension

RENAL_CAUSES = frozenset({"renal", "crcl_below_25_ml_min", "dialysis"})

# Words of an order that name its formulation ("cyclobenzaprine ER 15 mg", "... IR 5 mg").
RELEASE_WORDS: dict[str, Release] = {
    "er": "extended",
    "xr": "extended",
    "xl": "extended",
    "sr": "extended",
    "cr": "extended",
    "extended": "extended",
    "ir": "immediate",
    "immediate": "immediate",
}


def check(ctx: CheckContext) -> list[Alert]:
    return _renal(ctx) + _hepatic(ctx)


def _in_range(value: float, below: Amount, from_: Amount | None) -> bool:
    hi = convert(below.upper, below.unit, "mL/min")
    lo = convert(from_.lower, from_.unit, "mL/min") if from_ else None
    return value < hi and (lo is None or value >= lo)


def _applies(
    adj: RenalAdjustment, crcl: float | None, egfr: float | None, reported: str | None = None
) -> tuple[bool, str]:
    """Whether the threshold is met, and which measure decided: the one the threshold is written
    in, or the other standing in for it (and saying so); an eGFR reported as a bound ('>60') is
    shown as reported."""
    if adj.dialysis:
        return False, ""
    if adj.crcl_below is not None:
        below, from_ = adj.crcl_below, adj.crcl_from
        value, label = (crcl, "CrCl") if crcl is not None else (egfr, "eGFR (no CrCl)")
    elif adj.egfr_below is not None:
        below, from_ = adj.egfr_below, adj.egfr_from
        value, label = (egfr, "eGFR") if egfr is not None else (crcl, "CrCl (no eGFR)")
    else:
        return False, ""
    if value is None:
        return False, ""
    shown = f"{label} {fmt(value)} mL/min"
    if reported and label.startswith("eGFR"):
        shown = f"{label} {reported} mL/min"  # '>60': the band at the bound was applied
    return _in_range(value, below, from_), shown


def _applies_to(adj: RenalAdjustment, kidney: KidneyFunction) -> tuple[bool, str]:
    """`_applies` for this kidney function: with no CrCl or eGFR but kidney failure recorded, a
    band applies when it reaches below the GFR the failure implies (the lowest band)."""
    below = kidney.failure_gfr_below
    measured = [v for v in (kidney.crcl_ml_min, kidney.egfr_ml_min) if v is not None]
    if below is None or (measured and min(measured) < below):
        return _applies(adj, kidney.crcl_ml_min, kidney.egfr_ml_min, kidney.egfr_reported)
    if adj.dialysis:
        return False, ""
    from_ = adj.crcl_from if adj.crcl_below is not None else adj.egfr_from
    top = adj.crcl_below if adj.crcl_below is not None else adj.egfr_below
    if top is None:
        return False, ""
    # The band overlaps the category: it starts below the category's top and (for a category
    # with a floor, CKD stage 4's 15) ends above its floor.
    floor = kidney.failure_gfr_from
    overlaps = (from_ is None or convert(from_.lower, from_.unit, "mL/min") < below) and (
        floor is None or convert(top.upper, top.unit, "mL/min") > floor
    )
    span = (
        f"GFR {fmt(floor)} to below {fmt(below)}"
        if floor is not None
        else f"GFR below {fmt(below)}"
    )
    why = f"{kidney.failure_basis} ({span} mL/min)"
    return overlaps, why


def applicable_renal_adjustments(
    drug: Monograph, kidney: KidneyFunction, age_years: float | None, beers_from_age: float
) -> list[tuple[RenalAdjustment, str]]:
    """The drug's kidney adjustments that apply to this kidney function (Beers-sourced ones only
    at 65 and over), with what decided."""
    out: list[tuple[RenalAdjustment, str]] = []
    for adj in drug.populations.renal.adjustments:
        if adj.source == "beers-2023" and (age_years is None or age_years < beers_from_age):
            continue
        if adj.dialysis:
            if kidney.dialysis:
                out.append((adj, "dialysis"))
            continue
        ok, why = _applies_to(adj, kidney)
        if ok:
            out.append((adj, why))
    return out


def _basis(k: KidneyFunction, why: str) -> str:
    """How the kidney value in `why` was obtained."""
    if k.failure_basis and why.startswith(k.failure_basis):
        if not k.measured:
            return "recorded as a condition; no CrCl, eGFR or serum creatinine was given"
        return (
            f"recorded as a condition; the CrCl ({k.crcl_basis}) and eGFR ({k.egfr_basis}) do "
            "not fit kidney failure, so the lower band it implies is used (conservative)"
        )
    return k.egfr_basis if why.startswith("eGFR") else k.crcl_basis


def _threshold_text(adj: RenalAdjustment) -> str:
    if adj.crcl_below is not None:
        lo = f"{adj.crcl_from.text()} to " if adj.crcl_from else ""
        return f"CrCl {lo}below {adj.crcl_below.text()}"
    if adj.egfr_below is not None:
        lo = f"{adj.egfr_from.text()} to " if adj.egfr_from else ""
        return f"eGFR {lo}below {adj.egfr_below.text()}"
    return "dialysis"


def _renal(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    k = ctx.kidney
    age = ctx.patient.age_years
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        adjustments = drug.populations.renal.adjustments
        if not adjustments:
            continue
        if k.dialysis:
            for adj in (x for x in adjustments if x.dialysis):
                sim = patient_exposure(drug, ctx.patient, a.order, RENAL_CAUSES, k)
                out.append(
                    make_alert(
                        ctx,
                        "MRX-RENAL-002",
                        adj.severity,
                        f"{drug.name} in a patient on dialysis: {adj.action}",
                        f"The patient is on dialysis. {adj.action}"
                        + (f" {adj.note}" if adj.note else "")
                        + simulated_note(sim),
                        [a.drug],
                        adj,
                        values={"action": adj.action},
                        exposure=exposure_from(sim, drug.id, "dialysis"),
                    )
                )
        if not k.known:
            numeric = [x for x in adjustments if not x.dialysis]
            if numeric:
                out.append(
                    make_alert(
                        ctx,
                        "MRX-RENAL-003",
                        None,
                        f"Kidney function unknown: {drug.name} needs a dose decision by kidney function",
                        f"No CrCl, eGFR or serum creatinine with age and weight was given "
                        f"({k.crcl_basis}). {drug.name} has kidney thresholds: "
                        + "; ".join(f"{_threshold_text(x)}: {x.action}" for x in numeric),
                        [a.drug],
                        *numeric,
                    )
                )
            continue
        hits: list[tuple[RenalAdjustment, str]] = []
        for adj in adjustments:
            ok, why = _applies_to(adj, k)
            if ok:
                hits.append((adj, why))
        beers = [(x, w) for x, w in hits if x.source == "beers-2023"]
        other = [(x, w) for x, w in hits if x.source != "beers-2023"]
        if beers and age is not None and age >= ctx.from_age("MRX-BEERS-002"):
            adj, why = beers[0]
            advice, values = _renal_advice(drug, adj)
            out.append(
                make_alert(
                    ctx,
                    "MRX-BEERS-002",
                    adj.severity,
                    f"{drug.name} at {fmt(age)} with {why}: AGS Beers 2023 advises avoiding it "
                    f"({_threshold_text(adj)})",
                    f"The patient is {fmt(age)} with **{why}** ({_basis(k, why)}). "
                    f"Beers 2023 threshold: {_threshold_text(adj)}. {adj.action}",
                    [a.drug],
                    adj,
                    advice=advice,
                    values=values,
                )
            )
        if other:
            # The most severe band; between equals, the more conservative advice (one without a
            # dose to give: avoid) and then the one written in the measure the patient has. The
            # other advice of the same grade is kept in the text (sources can disagree).
            ranked = sorted(
                other,
                key=lambda h: (
                    SEVERITY_ORDER.index(h[0].severity),
                    h[0].dose_fraction is not None,
                    "(no " in h[1],
                ),
            )
            adj, why = ranked[0]
            also = list(
                dict.fromkeys(
                    f"{x.action.rstrip('.')} ({x.source}, {w})"
                    for x, w in ranked[1:]
                    if x.severity == adj.severity and x.action != adj.action
                )
            )
            frac = (
                f" (about {adj.dose_fraction.text()} of the usual dose)"
                if adj.dose_fraction
                else ""
            )
            basis = _basis(k, why)
            where = f"is in the range {_threshold_text(adj)}."
            lower_end = adj.crcl_from if adj.crcl_below is not None else adj.egfr_from
            if (
                k.egfr_reported
                and why.startswith("eGFR")
                and (k.egfr_reported.startswith(">") or lower_end is not None)
            ):
                # Reported as a bound ('>60'): the true value may lie past the band's end.
                where = (
                    f"may be in the range {_threshold_text(adj)}: it was reported only as "
                    f"{k.egfr_reported}, so whether it lies in the range is not known; the band "
                    "is applied (the conservative reading)."
                )
            sim = patient_exposure(drug, ctx.patient, a.order, RENAL_CAUSES, k)
            out.append(
                make_alert(
                    ctx,
                    "MRX-RENAL-001",
                    adj.severity,
                    f"{drug.name} with {why}: {adj.action}",
                    f"The patient's **{why}** ({basis}) {where} "
                    f"{adj.action}{frac}"
                    + (f" {adj.note}" if adj.note else "")
                    + (
                        f" Other advice for this kidney function: {'; '.join(also)}."
                        if also
                        else ""
                    )
                    + simulated_note(sim),
                    [a.drug],
                    adj,
                    advice="dose_fraction" if adj.dose_fraction else "default",
                    values={
                        "action": adj.action,
                        "fraction": adj.dose_fraction.text() if adj.dose_fraction else "",
                    },
                    exposure=exposure_from(sim, drug.id, "kidney function"),
                )
            )
    return out


def _renal_advice(drug: Monograph, adj: RenalAdjustment) -> tuple[str, dict[str, str]]:
    """The advice branch and values of MRX-BEERS-002: why kidney function matters for this drug
    from its own data (the adjustment's note, else the monograph's first kidney statement), else
    the rule's `unexplained` branch naming the drug."""
    statements = drug.populations.renal.statements
    why = adj.note or (statements[0].text if statements else None)
    if why:
        return "default", {"mechanism": why.strip(), "action": adj.action}
    return "unexplained", {"drug": drug.name, "action": adj.action}


def order_release(drug: Monograph, order: Order | None) -> tuple[Release | None, str]:
    """The formulation (immediate or extended release) of an order of `drug`, and how it was
    told: the drug's only formulation, a brand of one product, a word of the order (ER, XR, IR,
    extended...), or a strength only one formulation is made in. None: it cannot be told."""
    releases = {p.release for p in drug.products}
    if len(releases) == 1:
        only = next(iter(releases))
        return only, f"the drug's only formulation is {only}-release"
    if order is None:
        return None, "no order"
    words = set(re.split(r"[^a-z0-9]+", " ".join((order.text, order.product or "")).lower()))
    for p in drug.products:
        brand = next((b for b in p.brands if b.lower() in words), None)
        if brand is not None:
            return p.release, f"{brand} is the {p.release}-release {p.form}"
    said = {RELEASE_WORDS[w] for w in words if w in RELEASE_WORDS}
    if len(said) == 1:
        release = next(iter(said))
        return release, f"the order says {release} release"
    mg = order.dose.mg() if order.dose is not None else None
    if mg is not None:
        made = {
            p.release
            for p in drug.products
            for st in p.strengths
            if st.value is not None
            and has_dimension(st.unit, "mg")
            and abs(convert(st.value, st.unit, "mg") - mg) < 1e-6
        }
        if len(made) == 1:
            release = next(iter(made))
            return release, f"{fmt(mg)} mg is made only as the {release}-release form"
    return None, "the order names no brand, no ER or IR, and no strength only one form has"


def _hepatic(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    grade = ctx.patient.liver_impairment
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        adjustments = drug.populations.hepatic.adjustments
        by_release = any(h.release is not None for h in adjustments)
        release, how = order_release(drug, a.order) if by_release else (None, "")
        hits = [
            h
            for h in adjustments
            if matches(h.impairment, grade)
            and (h.release is None or release is None or h.release == release)
        ]
        if hits:
            adj = min(hits, key=lambda h: SEVERITY_ORDER.index(h.severity))
            cp = ctx.patient.child_pugh
            desc = f"Child-Pugh {cp} ({grade})" if cp else "liver disease (grade not given)"
            formulation = ""
            unstated = ""
            if by_release and release is not None:
                formulation = f" Formulation: {release} release ({how})."
            elif by_release:
                unstated = " (formulation not stated)"
                formulation = (
                    f" The formulation is not known ({how}): the most restrictive advice of "
                    "its formulations is given; state it (ER or IR, or the brand) for the "
                    "advice of that formulation."
                )
            out.append(
                make_alert(
                    ctx,
                    "MRX-HEP-001",
                    adj.severity,
                    f"{drug.name}{unstated} with {desc}: {adj.action}",
                    f"The patient has **{desc}**. For {adj.impairment} impairment: {adj.action}"
                    + (f" {adj.note}" if adj.note else "")
                    + formulation,
                    [a.drug],
                    adj,
                    values={"action": adj.action},
                ).model_copy(update={"finding": release or ""})
            )
        hepato = [w for w in (*drug.boxed_warnings, *drug.warnings) if w.topic == "hepatotoxicity"]
        if hepato:
            boxed = any(w in drug.boxed_warnings for w in hepato)
            w = hepato[0]
            out.append(
                make_alert(
                    ctx,
                    "MRX-HEP-002",
                    ctx.rule("MRX-HEP-002").graded(*(() if boxed else ("no_boxed_warning",))),
                    f"{drug.name} can injure the liver: check liver tests"
                    + (" (boxed warning)" if boxed else ""),
                    w.text,
                    [a.drug],
                    w,
                )
            )
    return out
