"""Dosing events: NONMEM-style records (``time, amt, ii, addl, rate, cmt, ss``) and how a regimen
becomes them.

Time 0 is the first dose of the regimen (its clock time is kept, so hours map back to the clock).
A SIG's clock times ("tid" 08:00/14:00/20:00, "tid+hs" 08:00/13:00/18:00/22:00) give one record
per time of day repeating every 24 h; missed doses, extra doses and a dose change on a given day
are applied to the explicit list and the records are rebuilt from it, so they stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.pk.solver import CENTRAL, DEPOT, DoseArrays, Structure

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class DoseRecord:
    """One NONMEM-style dosing record. ``rate_mg_per_h`` 0 is a bolus; ``addl`` more doses follow
    every ``ii_h`` hours; ``ss`` starts at steady state of doses every ``ii_h`` hours."""

    time_h: float
    amount_mg: float
    cmt: int = DEPOT
    ii_h: float = 0.0
    addl: int = 0
    rate_mg_per_h: float = 0.0
    ss: bool = False

    def __post_init__(self) -> None:
        if self.amount_mg <= 0 or not np.isfinite(self.amount_mg):
            raise InputError(f"must be a positive number, not {self.amount_mg}", field="amt")
        if self.time_h < 0 or not np.isfinite(self.time_h):
            raise InputError(f"must be zero or more hours, not {self.time_h}", field="time")
        if self.addl < 0:
            raise InputError(f"must be zero or more, not {self.addl}", field="addl")
        if (self.addl > 0 or self.ss) and self.ii_h <= 0:
            raise InputError("an interval (ii) is needed with addl or ss", field="ii")
        if self.rate_mg_per_h < 0:
            raise InputError("must not be negative", field="rate")
        if self.ss and self.rate_mg_per_h > 0 and self.amount_mg / self.rate_mg_per_h > self.ii_h:
            raise InputError("a steady-state infusion must end before the next starts", field="ss")


@dataclass(frozen=True)
class MissedDose:
    """The dose of `day` (1-based) at clock time `clock` ("HH:MM") is not taken."""

    day: int
    clock: str


@dataclass(frozen=True)
class ExtraDose:
    """An additional dose `hours` after the first dose of the regimen."""

    time_h: float
    amount_mg: float


@dataclass(frozen=True)
class DoseChange:
    """From `day` (1-based) on, every dose is `amount_mg`."""

    day: int
    amount_mg: float


def changes_from_steps(orders: Sequence[Order]) -> tuple[Order, tuple[DoseChange, ...]] | None:
    """A dose that changes over time, read as its steps ('baclofen 5 mg tid x 3 days then 10 mg
    tid'), as its first step and the day each later dose starts; None when the steps are not of
    one drug, route and frequency with dates and a dose in mg (a change of frequency is not a
    dose change)."""
    if len(orders) < 2:
        return None
    first = orders[0]
    code = first.frequency.code if first.frequency else None
    if first.start is None or any(
        o.drug != first.drug
        or o.route != first.route
        or (o.frequency.code if o.frequency else None) != code
        or o.start is None
        or o.dose_mg is None
        for o in orders
    ):
        return None
    changes = []
    for before, o in pairwise(orders):
        assert o.start is not None and before.start is not None and o.dose_mg is not None
        if o.start <= before.start:
            return None
        changes.append(DoseChange((o.start - first.start).days + 1, o.dose_mg))
    return first, tuple(changes)


@dataclass(frozen=True)
class Schedule:
    """The records of a regimen, and what they came from."""

    records: tuple[DoseRecord, ...]
    first_clock: str  # clock time of t = 0
    period_h: float  # the repeating unit of the regimen (the interval, or a day)
    description: str

    @property
    def doses(self) -> DoseArrays:
        return expand_records(self.records)


def expand_records(records: Iterable[DoseRecord]) -> DoseArrays:
    """One row per administration (``addl`` expanded), sorted by time; a steady-state record
    adds a row for its earlier doses (``ss_interval_h`` > 0, at time minus the interval)."""
    rows: list[tuple[float, float, float, int, float]] = []
    for r in records:
        if r.ss:
            # The infinite train before the record, as one row one interval earlier that the
            # solver expands per mode (a geometric series): it is present from the start of
            # the simulation, so several steady-state records (the doses of a day) add up.
            rows.append((r.time_h - r.ii_h, r.amount_mg, r.rate_mg_per_h, r.cmt, r.ii_h))
        for k in range(r.addl + 1):
            rows.append((r.time_h + k * r.ii_h, r.amount_mg, r.rate_mg_per_h, r.cmt, 0.0))
    rows.sort(key=lambda x: x[0])
    if not rows:
        return DoseArrays(
            time_h=np.zeros(0),
            amount_mg=np.zeros(0),
            rate_mg_per_h=np.zeros(0),
            cmt=np.zeros(0, dtype=np.int64),
            ss_interval_h=np.zeros(0),
        )
    a = np.array(rows, dtype=np.float64)
    return DoseArrays(
        time_h=a[:, 0],
        amount_mg=a[:, 1],
        rate_mg_per_h=a[:, 2],
        cmt=a[:, 3].astype(np.int64),
        ss_interval_h=a[:, 4],
    )


def _clock_hours(clock: str, field: str = "clock") -> float:
    try:
        hh, mm = clock.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise InputError(f"{clock!r} is not a clock time HH:MM", field=field) from None
    if not (0 <= h < 24 and 0 <= m < 60):
        raise InputError(f"{clock!r} is not a clock time HH:MM", field=field)
    return h + m / 60.0


def dose_mg_of(order: Order, weight_kg: float | None) -> float:
    """The amount per administration in mg; a per-kg dose needs the weight (said plainly)."""
    if order.dose is None:
        raise InputError(f"{order.text!r} gives no dose to simulate", field="dose")
    if order.dose.unit == "mg/kg":
        if weight_kg is None:
            raise InputError("a dose per kg needs the patient's weight (--weight)", field="weight")
        return order.dose.value * weight_kg * (order.tablets or 1.0)
    mg = order.dose_mg
    if mg is None:
        raise InputError(
            f"{order.dose.value:g} {order.dose.unit} is not an amount that can be simulated "
            "(give the dose in mg, mcg or g)",
            field="dose",
        )
    return mg


def target_compartment(order: Order, structure: Structure) -> int:
    """Depot for oral doses, central for intravenous doses, as the model's routes allow (an order
    without a route is taken as oral)."""
    route = order.route or "oral"
    if route not in structure.routes:
        hint = " (write 'iv' in the dose text)" if "intravenous" in structure.routes else ""
        raise InputError(
            f"the model describes {' and '.join(structure.routes)} dosing; the {route} route "
            f"cannot be simulated{hint}",
            field="route",
        )
    return structure.cmt_for(route)


def capped_doses(order: Order) -> int | None:
    """The doses a day an order's own cap leaves of its clock times, when the cap is a whole
    number below them ('q6h prn, max 3 doses/day': 3); else None (the full frequency)."""
    cap, freq = order.max_doses_per_day, order.frequency
    if not order.capped or cap is None or freq is None or not float(cap).is_integer():
        return None
    return int(cap) if 1 <= cap < len(freq.times) else None


def schedule_from_order(
    order: Order,
    structure: Structure,
    *,
    days: float,
    weight_kg: float | None = None,
    missed: Sequence[MissedDose] = (),
    extra: Sequence[ExtraDose] = (),
    changes: Sequence[DoseChange] = (),
    steady_state: bool = False,
    infusion_h: float | None = None,
) -> Schedule:
    """Dosing records for `days` of an order, at its clock times, with the given modifications.

    An as-needed order is simulated at its full frequency (the most it allows), or at its own
    whole-number cap a day (its first clock times); a single dose is one dose at time 0.
    `steady_state` starts every dose of the first day at steady state of the regimen's repeating
    pattern. `infusion_h` gives intravenous doses as infusions.
    """
    if not 0 < days <= 365:  # NaN fails too
        raise InputError(f"must be more than 0 and at most 365, not {days:g}", field="days")
    freq = order.frequency
    if freq is None:
        raise InputError(f"{order.text!r} gives no frequency to simulate", field="frequency")
    if freq.code == "continuous":
        raise InputError(
            "a continuous (per-day) dose cannot be simulated with this model", field="dose"
        )
    amount = dose_mg_of(order, weight_kg)
    cmt = target_compartment(order, structure)
    if infusion_h is not None:
        if cmt != CENTRAL:
            raise InputError("only intravenous doses can be given as infusions", field="infusion")
        if infusion_h <= 0:
            raise InputError("must be more than 0 hours", field="infusion")
    times = freq.times or ("08:00",)
    first = _clock_hours(times[0])
    # A regimen repeats every day (its clock times), or every interval when that is longer.
    long_interval = bool(freq.interval_h and freq.interval_h > HOURS_PER_DAY)
    period = freq.interval_h if (long_interval and freq.interval_h) else HOURS_PER_DAY
    if freq.single or long_interval:
        offsets = [0.0]
    else:
        offsets = sorted({(_clock_hours(t) - first) % HOURS_PER_DAY for t in times})
        cap = capped_doses(order)
        if cap is not None:
            offsets = offsets[:cap]  # the order's own cap a day: its first clock times
    horizon = days * HOURS_PER_DAY
    doses: list[tuple[float, float]] = []
    if freq.single:
        doses.append((0.0, amount))
    else:
        n_periods = int(np.ceil(horizon / period))
        for p in range(n_periods):
            for off in offsets:
                t = p * period + off
                if t < horizon:
                    doses.append((t, amount))
    for mdose in missed:
        t_missed = (mdose.day - 1) * HOURS_PER_DAY + (
            (_clock_hours(mdose.clock, "missed") - first) % HOURS_PER_DAY
        )
        before = len(doses)
        doses = [d for d in doses if abs(d[0] - t_missed) > 1e-9]
        if len(doses) == before:
            raise InputError(
                f"no dose is scheduled on day {mdose.day} at {mdose.clock}", field="missed"
            )
    last_day = int(np.ceil(days))
    for ch in changes:
        if ch.day < 1 or ch.amount_mg <= 0:
            raise InputError("needs a day from 1 and a positive amount", field="change")
        if ch.day > last_day:  # as a missed dose outside the simulation: said, not ignored
            raise InputError(
                f"day {ch.day} is after the last simulated day ({last_day})", field="change"
            )
        start = (ch.day - 1) * HOURS_PER_DAY
        doses = [(t, ch.amount_mg if t >= start else a) for t, a in doses]
    for ex in extra:
        if ex.time_h < 0 or ex.amount_mg <= 0:
            raise InputError("needs a time from 0 h and a positive amount", field="extra")
        if ex.time_h >= horizon:
            raise InputError(
                f"{ex.time_h:g} h is not before the end of the simulation ({horizon:g} h)",
                field="extra",
            )
        doses.append((ex.time_h, ex.amount_mg))
    doses.sort()
    records = _compress(doses, cmt, infusion_h, steady_state, period, freq.single)
    desc = f"{order.text} for {days:g} days"
    return Schedule(
        records=records,
        first_clock=times[0],
        period_h=period if not freq.single else 0.0,
        description=desc,
    )


def _compress(
    doses: list[tuple[float, float]],
    cmt: int,
    infusion_h: float | None,
    steady_state: bool,
    period: float,
    single: bool,
) -> tuple[DoseRecord, ...]:
    """Runs of equal doses one period apart become one record with ``addl``."""
    records: list[DoseRecord] = []
    used = [False] * len(doses)
    for i, (t, a) in enumerate(doses):
        if used[i]:
            continue
        used[i] = True
        addl = 0
        nxt = t + period
        for j in range(i + 1, len(doses)):
            if used[j]:
                continue
            tj, aj = doses[j]
            if abs(tj - nxt) < 1e-9 and aj == a:
                used[j] = True
                addl += 1
                nxt += period
            elif tj > nxt + 1e-9:
                break
        ss = steady_state and not single and t < period
        rate = a / infusion_h if infusion_h else 0.0
        records.append(
            DoseRecord(
                time_h=t,
                amount_mg=a,
                cmt=cmt,
                ii_h=period if (addl or ss) else 0.0,
                addl=addl,
                rate_mg_per_h=rate,
                ss=ss,
            )
        )
    return tuple(sorted(records, key=lambda r: r.time_h))
