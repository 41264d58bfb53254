"""Intrathecal baclofen pump: refill-by and low-reservoir alarm dates, with reminders.

Volume used per day = daily dose (mcg/day) / concentration (mcg/mL). The low-reservoir alarm
sounds when the volume left reaches the pump's programmed alarm volume; the reservoir is empty at
zero. Dose changes (mcg/day from a date) change the rate from that date. The refill-by date is
the last whole day before the alarm would sound. Reminders go out 14, 7, 3 and 1 days before it
(a design choice, not a sourced rule), because the boxed warning ties abrupt withdrawal to missed
refills and alarms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from myorelax.errors import InputError
from myorelax.knowledge.schema import Dosing, KnowledgeBase, labelled_range_top, rise_limits
from myorelax.plans.common import cite, withdrawal_of
from myorelax.plans.model import PumpEvent, PumpPlan, PumpSegment, Rule
from myorelax.units import convert

DEFAULT_ALARM_ML = 2.0
REMINDER_DAYS = (14, 7, 3, 1)
MAX_RESERVOIR_ML = 100.0


# A reservoir lasting longer than this means a mistyped dose or concentration (and dates past
# the calendar's range).
MAX_DAYS = 3650
# Bounds that catch a unit slip (mg/mL for mcg/mL) without judging the marketed strengths, which
# are checked, with a warning, against the knowledge base below.
MIN_CONCENTRATION = 1.0
MAX_CONCENTRATION = 100_000.0
# A programmed dose more than this many times the top of the highest labelled intrathecal
# maintenance range (the knowledge base's usual_dose ranges marked as the labelled range, Gablofen
# label section 2; the label sets no maximum) is refused as a slip (mg typed for mcg is 1000
# times); above the range of an age group it is a warning, as in the safety check (MRX-DOSE-002).
# A change raising the daily dose by more than the largest labelled rise (titration.max_increase)
# is a warning, as MRX-DOSE-004 is in the check.
MAX_DOSE_FACTOR = 10.0


def plan_pump(
    *,
    kb: KnowledgeBase,
    reservoir_ml: float,
    concentration_mcg_ml: float,
    dose_mcg_day: float,
    last_refill: date,
    alarm_ml: float | None = None,
    changes: Sequence[tuple[date, float]] = (),
) -> PumpPlan:
    """Dates for a pump filled with `reservoir_ml` of baclofen at `concentration_mcg_ml` on
    `last_refill`, delivering `dose_mcg_day` (then each change from its date)."""
    if not 0 < reservoir_ml <= MAX_RESERVOIR_ML:
        raise InputError(
            f"must be more than 0 and at most {MAX_RESERVOIR_ML:g} mL", field="reservoir_ml"
        )
    if not MIN_CONCENTRATION <= concentration_mcg_ml <= MAX_CONCENTRATION:
        raise InputError(
            f"must be between {MIN_CONCENTRATION:g} and {MAX_CONCENTRATION:g} mcg/mL",
            field="concentration_mcg_ml",
        )
    drug = kb.drugs["baclofen"]
    # The labelled maintenance ranges, read as the safety check reads them (MRX-DOSE-002): the
    # pump does not know the patient's age, so the refusal bound uses the highest range of any
    # age group and the warning names each age group whose range the dose is above.
    widest = labelled_range_top(drug, "intrathecal")
    top = (
        convert(widest.usual_dose.upper, widest.usual_dose.unit, "mcg/day")
        if widest is not None and widest.usual_dose is not None
        else None
    )
    _check_dose(dose_mcg_day, top, "dose_mcg_day")
    for _, dose in changes:
        _check_dose(dose, top, "change")
    assumed = alarm_ml is None
    alarm = DEFAULT_ALARM_ML if alarm_ml is None else alarm_ml
    if assumed and reservoir_ml <= alarm:
        raise InputError(
            f"must be more than the low-reservoir alarm volume ({alarm:g} mL assumed; give "
            "--alarm-ml to set it)",
            field="reservoir_ml",
        )
    if not 0 <= alarm < reservoir_ml:
        raise InputError("must be at least 0 and less than the reservoir volume", field="alarm_ml")
    warnings: list[str] = []
    notes: list[str] = []
    strengths = sorted(
        convert(s.value, s.unit, "mcg/mL")
        for p in drug.products
        if p.route == "intrathecal"
        for s in p.strengths
        if s.value is not None
    )
    if not any(abs(s - concentration_mcg_ml) < 1e-6 for s in strengths):
        warnings.append(
            f"{concentration_mcg_ml:g} mcg/mL is not a marketed intrathecal baclofen strength "
            f"({', '.join(f'{s:g}' for s in strengths)} mcg/mL); check the concentration (a "
            "compounded or diluted solution?)."
        )
    ranges = []
    for group, words in (("adult", "adults"), ("pediatric", "children")):
        entry = labelled_range_top(drug, "intrathecal", (group,))
        if entry is not None and entry.usual_dose is not None:
            u = entry.usual_dose
            ranges.append((convert(u.upper, u.unit, "mcg/day"), words, u.text()))
    for when, dose in [(last_refill, dose_mcg_day), *changes]:
        above = [f"{words} {text}" for limit, words, text in ranges if dose > limit * 1.0001]
        if above:
            warnings.append(
                f"{dose:g} mcg/day (from {when.isoformat()}) is above the labelled intrathecal "
                f"maintenance range for {' and '.join(above)} (the label sets no maximum); "
                "confirm the programmed dose."
            )
    # The pump does not know the cause of the spasticity: a rise above the smallest labelled
    # step is a warning naming each step and the conditions it is for.
    limits = rise_limits(drug, "intrathecal")
    if limits:
        smallest = limits[0][0]

        def step_text(pct: float, d: Dosing) -> str:
            names = [kb.conditions[c].name.lower() for c in d.for_conditions if c in kb.conditions]
            return f"{pct:g}% ({', '.join(names) if names else d.id})"

        steps = "; ".join(step_text(p, d) for p, d in limits)
        t = limits[0][1].titration
        per = t.interval.text() if t is not None and t.interval else "step"
        previous = dose_mcg_day
        for when, dose in sorted(changes):
            rise = (dose / previous - 1) * 100
            if rise > smallest + 1e-6:
                warnings.append(
                    f"the change to {dose:g} mcg/day on {when.isoformat()} raises the daily dose "
                    f"by {rise:.0f}% (from {previous:g}); the label raises it by at most "
                    f"{steps} once per {per}: confirm the change."
                )
            previous = dose
    seen: set[date] = set()
    for when, _ in changes:
        if when in seen:
            raise InputError(
                f"two changes on {when.isoformat()}: give one dose per date", field="change"
            )
        seen.add(when)
    for when, _ in changes:
        if when < last_refill:
            raise InputError(
                f"the dose change on {when.isoformat()} is before the last refill", field="change"
            )
    segments = [
        PumpSegment(
            start=last_refill,
            dose_mcg_day=dose_mcg_day,
            volume_ml_day=dose_mcg_day / concentration_mcg_ml,
        )
    ]
    for when, dose in sorted(changes):
        if segments[-1].start == when:
            segments.pop()
        segments.append(
            PumpSegment(start=when, dose_mcg_day=dose, volume_ml_day=dose / concentration_mcg_ml)
        )
    to_alarm = _days_until(segments, last_refill, reservoir_ml - alarm)
    to_empty = _days_until(segments, last_refill, reservoir_ml)
    if not to_empty <= MAX_DAYS:
        raise InputError(
            f"at this dose the reservoir would last {to_empty:.0f} days; no pump refill interval "
            f"is that long (more than {MAX_DAYS} days): check the dose and concentration",
            field="dose_mcg_day",
        )
    alarm_date = last_refill + timedelta(days=math.floor(to_alarm + 1e-9))
    refill_by = last_refill + timedelta(days=max(0, math.ceil(to_alarm - 1e-9) - 1))
    empty_date = last_refill + timedelta(days=math.floor(to_empty + 1e-9))
    withdrawal = withdrawal_of(drug, route="intrathecal")
    reminders = tuple(
        PumpEvent(
            date=refill_by - timedelta(days=k),
            kind="reminder",
            text=f"Pump refill due by {refill_by.isoformat()} ({k} day{'s' if k > 1 else ''} left): "
            "book or confirm the refill visit.",
        )
        for k in REMINDER_DAYS
        if refill_by - timedelta(days=k) >= last_refill
    )
    events = [
        *(
            PumpEvent(date=s.start, kind="dose_change", text=f"Dose {s.dose_mcg_day:g} mcg/day")
            for s in segments[1:]
        ),
        *reminders,
        PumpEvent(
            date=refill_by,
            kind="refill_by",
            text="Last day to refill the baclofen pump before the low-reservoir alarm.",
        ),
        PumpEvent(
            date=alarm_date,
            kind="alarm",
            text=f"Low-reservoir alarm expected ({alarm:g} mL left); refill now.",
        ),
        PumpEvent(
            date=empty_date,
            kind="empty",
            text="Reservoir empty: baclofen delivery stops; risk of severe withdrawal.",
        ),
    ]
    if assumed:
        notes.append(
            f"The low-reservoir alarm volume was not given; {DEFAULT_ALARM_ML:g} mL was assumed. "
            "Set it to the value on the pump's programming report."
        )
    boxed = drug.boxed_warnings
    citations = [c for c in (cite(kb, b.source, b.section) for b in boxed) if c]
    for b in boxed:
        notes.append(b.text)
    return PumpPlan(
        reservoir_ml=reservoir_ml,
        concentration_mcg_ml=concentration_mcg_ml,
        last_refill=last_refill,
        alarm_ml=alarm,
        alarm_ml_assumed=assumed,
        segments=tuple(segments),
        days_to_alarm=round(to_alarm, 3),
        days_to_empty=round(to_empty, 3),
        alarm_date=alarm_date,
        refill_by=refill_by,
        empty_date=empty_date,
        reminders=reminders,
        events=tuple(sorted(events, key=lambda e: e.date)),
        withdrawal=withdrawal,
        warnings=tuple(warnings),
        notes=tuple(notes),
        rule=Rule(
            text="Volume per day = dose / concentration. Refill before the low-reservoir alarm; "
            "never let the reservoir run dry (boxed warning: abrupt discontinuation).",
            citations=tuple(citations),
        ),
        knowledge_version=kb.version,
    )


def _check_dose(dose: float, top: float | None, field: str) -> None:
    """A programmed dose (mcg/day) must be a finite number above 0, and not absurdly above the
    labelled maintenance range (`top`, from the knowledge base)."""
    what = "a changed dose" if field == "change" else "the dose"
    if not math.isfinite(dose) or dose <= 0:
        raise InputError(f"{what} must be a number more than 0 mcg/day, not {dose:g}", field=field)
    if top is not None and dose > MAX_DOSE_FACTOR * top:
        raise InputError(
            f"{what} of {dose:g} mcg/day is more than {MAX_DOSE_FACTOR:g} times the highest "
            f"labelled intrathecal maintenance dose ({top:g} mcg/day): check the units (mcg, "
            "not mg)",
            field=field,
        )


def _days_until(segments: Sequence[PumpSegment], origin: date, volume_ml: float) -> float:
    """Days from `origin` until `volume_ml` has been delivered across the rate segments."""
    used = 0.0
    for i, seg in enumerate(segments):
        start = (seg.start - origin).days
        end = (segments[i + 1].start - origin).days if i + 1 < len(segments) else math.inf
        span = end - start
        if used + seg.volume_ml_day * span >= volume_ml:
            return start + (volume_ml - used) / seg.volume_ml_day
        used += seg.volume_ml_day * span
    return math.inf  # pragma: no cover - the last segment is open-ended
