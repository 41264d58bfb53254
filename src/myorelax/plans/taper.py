"""Taper plans: from a current regimen (SIG) to zero, day by day, from sourced guidance.

The rule, per drug, from the knowledge base's `dependence.taper`:

* a labelled step (tizanidine: lower the daily dose by 2-4 mg each day): the smaller step by
  default (conservative); the larger one sets the shortest allowed taper;
* a labelled period (baclofen 1-2 weeks; carisoprodol, from its metabolite meprobamate, 1-2
  weeks): the longer end by default, the shorter end is the minimum; the period is split into
  equal reductions of the daily dose, never faster than the drug's labelled titration interval,
  with the longer holds at the low end;
* taper needed but no sourced period (diazepam): the user must set the period;
* no taper needed per the sources (cyclobenzaprine after a short course; methocarbamol): the plan
  says so and stops on the start date, unless the user asks for a gradual reduction.

A period shorter than the sourced minimum is allowed only with a warning in the plan.

Levels (this project's choice, docs/plans.md): the cut per step never grows toward the end (each
reduction is at most the one before it), no level falls below MRX-WD-001's sharp-cut fraction
of the one before (the final stop excepted), the largest cut is as small as the number of steps
allows, the last level before stopping is the smallest those rules allow, and the reductions
are otherwise as equal as possible, keeping the higher dose on ties. Levels move in the dose unit
of the current dose; every marketed strength (e.g. carisoprodol 250 mg beside 350 mg) is used
instead when it makes the largest cut smaller.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache

from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase, Monograph, Taper
from myorelax.plans.careplan import care_plan_for
from myorelax.plans.common import (
    cite,
    clock_times,
    doses_at,
    doses_text,
    expand_days,
    merge_alerts,
    order_for,
    slot_priority,
    spread_units,
    taken_order,
    unchecked,
    vet,
    withdrawal_of,
)
from myorelax.plans.dosing import amount_days, choose_formulation, oral_dosing, regular_schedule
from myorelax.plans.model import Citation, Plan, PlanAlert, Rule, Step, Withdrawal
from myorelax.plans.tablets import MAX_PIECES, Formulation, dose_unit_mg
from myorelax.units import convert

MAX_TAPER_DAYS = 365
_UG = 1000  # levels are chosen in whole micrograms so sums are exact

Levels = tuple[int, ...]
Key = tuple[bool, int, tuple[int, ...]]


def _levels(top: int, totals: Sequence[int], m: int, keep: float = 0.0) -> Levels:
    """At most `m` daily totals from `totals` (all below `top`), descending, such that the cuts
    top -> L1 -> ... -> Lk -> 0 never grow and no level falls below `keep` times the one before
    (the safety check's sharp cut, MRX-WD-001: a plan must not make the cut it warns of; the
    final stop excepted); the largest cut as small as possible, then ending at the smallest
    total, then the cuts as equal as possible (least sum of squares), then the higher levels
    (keep more)."""
    ts = tuple(sorted(set(totals), reverse=True))
    if not ts or m < 1:
        return ()
    smallest = ts[-1]

    @cache
    def rest(level: int, cap: int, left: int) -> tuple[Key, Levels] | None:
        """The best way down from `level` to 0 with cuts at most `cap` and at most `left` more
        levels: its key (not ending at the smallest, sum of squared cuts, negated levels)."""
        best: tuple[Key, Levels] | None = None
        if level <= cap:
            best = ((level != smallest, level * level, ()), ())
        if left > 0:
            for nxt in ts:
                cut = level - nxt
                if cut <= 0:
                    continue
                if cut > cap or nxt < keep * level:
                    break
                sub = rest(nxt, cut, left - 1)
                if sub is None:
                    continue
                (flag, sq, neg), lv = sub
                cand = ((flag, sq + cut * cut, (-nxt, *neg)), (nxt, *lv))
                if best is None or cand[0] < best[0]:
                    best = cand
        return best

    choice: tuple[tuple[int, Key], Levels] | None = None
    for first in ts:
        cut = top - first
        if first < keep * top:
            continue
        sub = rest(first, cut, m - 1)
        if sub is None:
            continue
        (flag, sq, neg), lv = sub
        cand = ((cut, (flag, sq + cut * cut, (-first, *neg))), (first, *lv))
        if choice is None or cand[0] < choice[0]:
            choice = cand
    rest.cache_clear()
    return choice[1] if choice else ()


def sharp_cut_fraction(kb: KnowledgeBase) -> float:
    """The fraction of the daily dose below which MRX-WD-001 calls a new dose a sharp cut (its
    `dose_cut_sharply` step; 0 when the rule has none)."""
    rule = kb.rules.get("MRX-WD-001")
    step = rule.step("dose_cut_sharply") if rule is not None else None
    return float(step.below_fraction) if step and step.below_fraction is not None else 0.0


def _largest_cut(top: int, levels: Levels) -> int:
    return max(a - b for a, b in zip((top, *levels), (*levels, 0), strict=True))


def _per_dose_options(formulation: Formulation, most_mg: float) -> list[int]:
    """Single doses (micrograms) up to `most_mg` that whole tablets of the marketed strengths
    make, at most MAX_PIECES tablets."""
    strengths = [round(s * _UG) for s in formulation.whole_strengths_mg]
    most = round(most_mg * _UG)
    out: set[int] = set()
    for k in range(1, MAX_PIECES + 1):
        for combo in itertools.combinations_with_replacement(strengths, k):
            if sum(combo) <= most:
                out.add(sum(combo))
    return sorted(out)


def _slot_doses(combo: Sequence[int], n: int) -> tuple[int, ...]:
    """A multiset of single doses placed on the n clock times: the largest in the evening, then
    the morning, then the middle (as `spread_units` places an extra unit)."""
    out = [0] * n
    for slot, dose in zip(slot_priority(n), sorted(combo, reverse=True), strict=True):
        out[slot] = dose
    return tuple(out)


def _all_strength_totals(
    formulation: Formulation, dose_mg: float, n: int, top: int
) -> dict[int, tuple[int, ...]]:
    """Daily totals (micrograms) below `top` made from n single doses (or fewer) of the marketed
    strengths, none above the current single dose, each with its most even spread."""
    options = [0, *_per_dose_options(formulation, dose_mg)]
    best: dict[int, tuple[tuple[int, int], tuple[int, ...]]] = {}
    for combo in itertools.combinations_with_replacement(options, n):
        total = sum(combo)
        if not 0 < total < top:
            continue
        key = (max(combo) - min(combo), -sum(1 for c in combo if c))
        if total not in best or key < best[total][0]:
            best[total] = (key, _slot_doses(combo, n))
    return {t: v[1] for t, v in best.items()}


def _split_days(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i >= parts - extra else 0) for i in range(parts)]


def plan_taper(
    order: Order,
    patient: Patient,
    *,
    kb: KnowledgeBase,
    start: date,
    days: int | None = None,
    form: str | None = None,
    used_weeks: float | None = None,
) -> Plan:
    """A day-by-day taper from `order` to zero starting on `start`."""
    if not order.has_monograph or order.drug not in kb.drugs:
        raise InputError(f"{order.drug_name} is not a drug this tool plans for", field="sig")
    if days is not None and not 1 <= days <= MAX_TAPER_DAYS:
        raise InputError(f"must be between 1 and {MAX_TAPER_DAYS} days", field="days")
    drug = kb.drugs[order.drug]
    dosing = oral_dosing(drug, patient, kb, named=order.product, order=order, field="sig")
    dose, n = regular_schedule(
        drug,
        dosing,
        order,
        field="sig",
        why="a taper",
        above_max="; a taper from above the maximum needs the prescriber's confirmation of the "
        "current dose and specialist supervision, not a standard plan",
    )
    family = choose_formulation(drug, dosing, [dose], form)
    unit = dose_unit_mg(dose, family)
    n0 = round(dose / unit) * n
    times = clock_times(n)
    taper = drug.dependence.taper or Taper()
    withdrawal = withdrawal_of(drug)
    warnings: list[str] = []
    notes: list[str] = []
    citations: list[Citation] = []
    for g in taper.guidance:
        c = cite(kb, g.source, g.section)
        if c:
            citations.append(c)
    needed = taper.needed

    if used_weeks is not None and taper.applies_after is not None:
        after_weeks = convert(taper.applies_after.lower, taper.applies_after.unit, "week")
        if used_weeks < after_weeks:
            notes.append(
                f"Use so far ({used_weeks:g} weeks) is shorter than the {taper.applies_after.text()} "
                "after which the sources tie withdrawal to stopping; the taper below is still the "
                "cautious way to stop."
            )

    base_alerts = vet(kb, patient, drug, order, order, start)
    hold_days = 1
    min_days: int | None = None
    rule_text: str
    if needed is not True and days is None:
        # The sources say no taper is needed (or describe no withdrawal): stop on the start date.
        lead = (
            f"The sources do not require a taper for {drug.name}; it can be stopped."
            if needed is False
            else f"The sources describe no need to taper {drug.name}; it can be stopped."
        )
        text = lead + " " + " ".join(g.text for g in taper.guidance)
        stop = Step(
            index=1,
            start=start,
            end=start,
            days=1,
            daily_total_mg=0.0,
            doses=(),
            text=f"Stop {drug.name} from {start.isoformat()}.",
            watch_for=withdrawal.signs,
        )
        return _plan(
            drug, family.label, order, start, needed, Rule(text=text.strip(), citations=tuple(citations)),
            [stop], withdrawal, [], notes, [base_alerts], kb, patient,
        )  # fmt: skip

    if taper.step_amount is not None:
        # A step with no interval in the source is taken once a day (the shortest hold a plan
        # has); the plan says this is its assumption, not the source's.
        interval = amount_days(taper.step_interval, "lower") if taper.step_interval else 1
        if taper.step_interval is None:
            warnings.append(
                f"The source gives the size of each {drug.name} reduction but no interval "
                "between them; this plan lowers the dose every day (this project's assumption, "
                "not the source's): confirm the interval with the prescriber."
            )
        slow = convert(taper.step_amount.lower, taper.step_amount.unit, "mg/day")
        fast = convert(taper.step_amount.upper, taper.step_amount.unit, "mg/day")
        r_slow = max(1, math.floor(slow / unit + 1e-9))
        r_fast = max(1, math.floor(fast / unit + 1e-9))
        min_days = (math.ceil(n0 / r_fast) - 1) * interval
        default_days = (math.ceil(n0 / r_slow) - 1) * interval
        hold_days = interval
        rule_text = (
            f"Lower the total daily dose by {taper.step_amount.text()} every "
            f"{taper.step_interval.text() if taper.step_interval else 'day (no interval sourced)'}"
            "; this plan uses "
            f"{r_slow * unit:g} mg/day steps by default (the slower end)."
        )
        c = cite(kb, taper.source, taper.section)
        if c:
            citations.insert(0, c)
    elif taper.suggested_duration is not None or taper.min_duration is not None:
        suggested = taper.suggested_duration or taper.min_duration
        assert suggested is not None
        default_days = amount_days(suggested, "upper")
        min_days = amount_days(taper.min_duration, "lower") if taper.min_duration else None
        titration = dosing.titration
        if titration is not None and titration.interval is not None:
            hold_days = amount_days(titration.interval, "lower")
        rule_text = (
            f"Reduce gradually over {suggested.text()}"
            + (f" (at least {taper.min_duration.text()})" if taper.min_duration else "")
            + f"; this plan uses {default_days} days by default (the longer end), in equal steps"
            + (
                f" held at least {hold_days} days each (the labelled titration interval)"
                if hold_days > 1
                else ""
            )
            + ", with the longer holds at the lowest doses."
        )
        for amount in (suggested, taper.min_duration):
            if amount is not None and amount.derived and amount.note:
                notes.append(amount.note.strip())
        for amount in (taper.suggested_duration, taper.min_duration):
            c = cite(kb, amount.source if amount else None, amount.section if amount else None)
            if c and c not in citations:
                citations.insert(0, c)
    else:
        if days is None:
            raise InputError(
                f"the sources give no taper period for {drug.name} (they say to individualise it); "
                "set the period in days",
                field="days",
            )
        default_days = days
        rule_text = (
            f"The sources require a gradual taper of {drug.name} but give no schedule; the "
            "period was set by the user and split into equal steps."
        )
        if needed is True:
            warnings.append(
                f"No sourced minimum period exists for {drug.name}; the {days}-day period is the "
                "prescriber's choice."
            )
    if needed is not True:
        rule_text = (
            f"The sources do not require a taper for {drug.name}; this gradual reduction over "
            f"{days} days was requested."
        )
        default_days = days or default_days

    total_days = days if days is not None else default_days
    if min_days is not None and total_days < min_days:
        warnings.append(
            f"This {total_days}-day taper is shorter than the sourced minimum of {min_days} days; "
            "a faster taper raises the risk of withdrawal. Confirm it with the prescriber."
        )
    top = round(n0 * unit * _UG)
    unit_ug = round(unit * _UG)
    grid = {k * unit_ug: tuple(u * unit_ug for u in spread_units(k, n)) for k in range(1, n0)}
    wanted = max(1, total_days // max(1, hold_days))
    keep = sharp_cut_fraction(kb)
    levels = _levels(top, list(grid), min(wanted, len(grid)), keep)
    slots = grid
    strengths = family.whole_strengths_mg
    if len(strengths) > 1:
        every = _all_strength_totals(family, dose, n, top)
        other = _levels(top, list(every), min(wanted, len(every)), keep)
        if other and (not levels or _largest_cut(top, other) < _largest_cut(top, levels)):
            levels, slots = other, every
            notes.append(
                "The steps use every marketed strength ("
                + ", ".join(f"{mg:g} mg" for mg in strengths)
                + ") because that makes the largest reduction smaller."
            )
    if levels:
        notes.append(
            "Each reduction is no larger than the one before it and no dose falls below "
            f"{keep:g} of the one before (the sharp cut the safety check warns of); the last "
            f"dose before stopping is {levels[-1] / _UG:g} mg/day, the smallest those rules "
            "allow (this project's choice; docs/plans.md)."
        )
    if taper.step_amount is not None:
        fast = convert(taper.step_amount.upper, taper.step_amount.unit, "mg/day")
        biggest = _largest_cut(top, levels) / _UG if levels else n0 * unit
        if biggest > fast + 1e-9:
            warnings.append(
                f"Some steps lower the dose by {biggest:g} mg/day, more than the labelled "
                f"{taper.step_amount.text()}."
            )
    held = _split_days(total_days, len(levels)) if levels else []
    if levels and min(held) == 0:
        levels = levels[:total_days]
        held = [1] * len(levels)
        total_days = len(levels)

    steps: list[Step] = []
    day = start
    previous = order
    step_alerts = []
    base_codes = {(a.code, a.summary) for a in base_alerts}
    for i, (total, hold) in enumerate(zip(levels, held, strict=True), start=1):
        doses = doses_at([u / _UG for u in slots[total]], times, family, drug)
        level_order = order_for(drug, doses)
        alerts = vet(kb, patient, drug, previous, level_order, start)
        step_alerts.append(alerts)
        fresh = tuple(a for a in alerts if (a.code, a.summary) not in base_codes)
        end = day + timedelta(days=hold - 1)
        steps.append(
            Step(
                index=i,
                start=day,
                end=end,
                days=hold,
                daily_total_mg=round(total / _UG, 4),
                doses=doses,
                text=doses_text(doses),
                watch_for=withdrawal.signs if i == 1 else (),
                alerts=fresh,
            )
        )
        previous = taken_order(drug, doses) or previous
        day = end + timedelta(days=1)
    stop_date = day
    after = (
        f"Keep watching for withdrawal for the next days (it may start within {withdrawal.onset})."
        if withdrawal.onset
        else "Keep watching for withdrawal signs over the following days."
    )
    steps.append(
        Step(
            index=len(steps) + 1,
            start=stop_date,
            end=stop_date,
            days=1,
            daily_total_mg=0.0,
            doses=(),
            text=f"Stop: no more {drug.name} from {stop_date.isoformat()}.",
            note=after,
        )
    )
    notes.append(
        "If withdrawal signs appear, do not take the next step down: stay at (or go back to) the "
        "previous dose and call the prescriber, then continue more slowly."
    )
    return _plan(
        drug, family.label, order, start, needed, Rule(text=rule_text, citations=tuple(citations)),
        steps, withdrawal, warnings, notes, [base_alerts, *step_alerts], kb, patient,
    )  # fmt: skip


def _plan(
    drug: Monograph,
    formulation: str,
    order: Order,
    start: date,
    needed: bool | None,
    rule: Rule,
    steps: list[Step],
    withdrawal: Withdrawal,
    warnings: list[str],
    notes: list[str],
    alerts: list[tuple[PlanAlert, ...]],
    kb: KnowledgeBase,
    patient: Patient,
) -> Plan:
    """The taper plan whose last step is the stop day."""
    stop_date = steps[-1].start
    return Plan(
        kind="taper",
        drug=drug.id,
        drug_name=drug.name,
        formulation=formulation,
        start=start,
        end=stop_date,
        stop_date=stop_date,
        taper_needed=needed,
        current=order.text,
        duration_days=(stop_date - start).days,
        rule=rule,
        steps=tuple(steps),
        days=expand_days(steps, stop_date),
        withdrawal=withdrawal,
        warnings=tuple(warnings),
        notes=tuple(notes),
        alerts=merge_alerts(alerts),
        care_plan=care_plan_for(drug, kb, patient),
        knowledge_version=kb.version,
        not_checked=unchecked(kb, patient, drug, start),
    )
