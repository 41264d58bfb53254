"""Pieces shared by titration and taper: spreading a daily dose over clock times, tablets for
each dose, day-by-day expansion, vetting each step with the safety check, citations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.sig import (
    regular_frequency,
    scheduled_order,
)
from myorelax.errors import InputError
from myorelax.knowledge.schema import SEVERITY_ORDER, KnowledgeBase, Monograph
from myorelax.plans.model import Citation, Day, DoseTime, PlanAlert, Step, Tablets, Withdrawal
from myorelax.plans.tablets import Formulation, make_dose
from myorelax.safety.engine import evaluate_regimen


def clock_times(doses_per_day: int) -> tuple[str, ...]:
    """The clock times of `doses_per_day` evenly spaced doses (`regular_frequency`); the
    label's own limit on doses a day is checked by `regular_schedule`."""
    return regular_frequency(doses_per_day, field="sig").times


def plan_order(drug: Monograph, dose_mg: float, doses_per_day: int) -> Order:
    """An oral order of `dose_mg` `doses_per_day` times a day, evenly spaced."""
    return scheduled_order(
        drug.id,
        drug.name,
        drug.identifiers.rxcui.value,
        dose_mg=dose_mg,
        doses_per_day=doses_per_day,
    )


def slot_priority(n: int) -> list[int]:
    """Which dose slot gets an extra unit first (and is kept longest): evening, then morning,
    then the middle ones."""
    if n <= 0:
        return []
    order = [n - 1]
    if n > 1:
        order.append(0)
    order += list(range(1, n - 1))
    return order


def spread_units(units: int, slots: int) -> list[int]:
    """`units` dose units over `slots` clock times as evenly as possible."""
    base, extra = divmod(units, slots)
    out = [base] * slots
    for i in slot_priority(slots)[:extra]:
        out[i] += 1
    return out


def doses_at(
    per_slot_mg: Sequence[float], times: Sequence[str], formulation: Formulation, drug: Monograph
) -> tuple[DoseTime, ...]:
    out = []
    for mg, time in zip(per_slot_mg, times, strict=True):
        if mg <= 1e-9:
            continue
        tablets = make_dose(mg, formulation)
        if tablets is None:
            raise InputError(
                f"{mg:g} mg of {drug.name} cannot be made from {formulation.label}", field="dose"
            )
        out.append(
            DoseTime(
                time=time,
                dose_mg=round(mg, 4),
                tablets=tuple(
                    Tablets(
                        product=t.product, strength_mg=t.strength_mg, count=t.count, text=t.text
                    )
                    for t in tablets
                ),
            )
        )
    return tuple(out)


def doses_text(doses: Sequence[DoseTime]) -> str:
    if not doses:
        return "no dose (stopped)"
    return "; ".join(
        f"{d.time} {d.dose_mg:g} mg ({' + '.join(t.text for t in d.tablets)})" for d in doses
    )


def expand_days(steps: Sequence[Step], last_day: date) -> tuple[Day, ...]:
    days: list[Day] = []
    for step in steps:
        end = step.end or last_day
        d = step.start
        while d <= end:
            days.append(
                Day(date=d, step=step.index, daily_total_mg=step.daily_total_mg, doses=step.doses)
            )
            d += timedelta(days=1)
    return tuple(days)


def order_for(drug: Monograph, doses: Sequence[DoseTime]) -> Order | None:
    """An order that bounds a step for the safety check: its largest dose at its frequency."""
    if not doses:
        return None
    biggest = max(d.dose_mg for d in doses)
    return plan_order(drug, biggest, len(doses))


def taken_order(drug: Monograph, doses: Sequence[DoseTime]) -> Order | None:
    """The step as the patient's current medication for the next step's check: its exact daily
    total (the mean dose at its frequency), so a reduction is judged by what was taken, not by
    `order_for`'s upper bound (10 + 5 + 5 + 10 mg is 30 mg/day, not 40)."""
    if not doses:
        return None
    mean = sum(d.dose_mg for d in doses) / len(doses)
    return plan_order(drug, mean, len(doses))


def vet(
    kb: KnowledgeBase,
    patient: Patient,
    drug: Monograph,
    previous: Order | None,
    order: Order | None,
    today: date,
) -> tuple[PlanAlert, ...]:
    """Safety-check one step: the step's order against the patient, whose current medications
    hold the previous step (so a planned rise is judged as a step, not a new start)."""
    if order is None:
        return ()
    others = tuple(m for m in patient.medications if m.drug != drug.id)
    current = (*others, previous) if previous is not None else others
    report = evaluate_regimen(
        patient.model_copy(update={"medications": current}),
        Regimen(orders=(order,)),
        kb=kb,
        today=today,
    )
    return tuple(
        PlanAlert(code=a.code, severity=a.severity, summary=a.summary) for a in report.alerts
    )


def unchecked(
    kb: KnowledgeBase, patient: Patient, drug: Monograph, today: date
) -> tuple[NotChecked, ...]:
    """What the safety check of this drug for this patient could not check (patient facts a
    rule needed, unknown medications or conditions): the plan shows it as the check does."""
    order = Order(
        text=drug.id,
        drug=drug.id,
        drug_name=drug.name,
        rxcui=drug.identifiers.rxcui.value,
        has_monograph=True,
    )
    others = tuple(m for m in patient.medications if m.drug != drug.id)
    report = evaluate_regimen(
        patient.model_copy(update={"medications": others}),
        Regimen(orders=(order,)),
        kb=kb,
        today=today,
    )
    # The probe order has no dose on purpose: every step's dose is checked by `vet`.
    return tuple(
        n for n in report.not_checked if not (n.reason == "no_dose" and n.item == order.text)
    )


def merge_alerts(groups: Iterable[Sequence[PlanAlert]]) -> tuple[PlanAlert, ...]:
    seen: dict[tuple[str, str], PlanAlert] = {}
    for group in groups:
        for a in group:
            seen.setdefault((a.code, a.summary), a)
    return tuple(sorted(seen.values(), key=lambda a: (SEVERITY_ORDER.index(a.severity), a.code)))


def refuse_if_contraindicated(drug: Monograph, alerts: Sequence[PlanAlert]) -> None:
    bad = [a for a in alerts if a.severity == "contraindicated"]
    if bad:
        raise InputError(
            f"no plan for {drug.name}: {bad[0].summary} ({bad[0].code}, contraindicated)",
            field="regimen",
        )


def cite(kb: KnowledgeBase, source: str | None, section: str | None = None) -> Citation | None:
    if source is None or source not in kb.sources:
        return None
    s = kb.sources[source]
    return Citation(id=s.id, title=s.title, url=s.url, section=section)


def withdrawal_of(drug: Monograph, route: str = "oral") -> Withdrawal:
    """Withdrawal signs for this route (signs marked for another route are left out), split into
    those that need urgent care and those to report the same day."""
    w = drug.dependence.withdrawal
    if w is None:
        return Withdrawal()
    other_routes = {"intrathecal", "oral"} - {route}
    w = w.model_copy(
        update={
            "signs": tuple(s for s in w.signs if not any(r in s for r in other_routes)),
            "serious_signs": tuple(
                s for s in w.serious_signs if not any(r in s for r in other_routes)
            ),
        }
    )
    seek = []
    if w.serious_signs:
        seek.append(
            "Get urgent medical care (emergency department or emergency number) for: "
            + ", ".join(w.serious_signs)
            + "."
        )
    other = [s for s in w.signs if s not in w.serious_signs]
    if other:
        whom = "the prescriber or the pump clinic" if route == "intrathecal" else "the prescriber"
        seek.append(f"Call {whom} the same day if you notice: " + ", ".join(other) + ".")
    onset = w.onset.text() if w.onset is not None else None
    return Withdrawal(
        signs=w.signs, serious_signs=w.serious_signs, onset=onset, seek_care=tuple(seek)
    )


def stopping_statement(drug: Monograph, route: str = "oral") -> str | None:
    """For a plan that starts a drug with a withdrawal syndrome: one sentence not to stop it
    suddenly, with the source's own statement for this route."""
    w = drug.dependence.withdrawal
    if w is None or not (w.signs or w.statements):
        return None
    other_routes = {"intrathecal", "oral"} - {route}
    said = [
        st.text.strip()
        for st in w.statements
        if not any(r in st.text.lower() for r in other_routes)
    ]
    lead = (
        f"Once on {drug.name}, do not stop it suddenly: ask the prescriber for a plan to lower it."
    )
    return " ".join([lead, *said[:1]])
