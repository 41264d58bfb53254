"""Plans as iCalendar (RFC 5545) bytes, built with the `icalendar` library.

* `mode="dose"`: one event per clock time of each step, repeated daily over the step (RRULE
  FREQ=DAILY;COUNT=n), with a reminder before each dose;
* `mode="day"`: one all-day event per day listing that day's doses.

A step with no end (a titration's maintenance dose) repeats daily with no COUNT (in both modes):
its reminders never stop on their own, and its description says to continue at this dose.

Times are floating local times (no time zone) unless a zone is given, so a calendar program shows
them at the same clock time wherever the patient is, as a paper schedule would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from icalendar import Event

from myorelax.calendars import display_alarm, event_uid, new_calendar, time_zone
from myorelax.errors import InputError
from myorelax.plans.model import Plan, PumpPlan, Step


def _day_event(plan: Plan, step: Step, day: date, stamp: datetime, *, open_ended: bool) -> Event:
    """An all-day event of a step's daily total; an open-ended step (maintenance) repeats daily
    with no end."""
    event = Event()
    event.add("uid", event_uid(plan.drug, plan.kind, step.index, day))
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    if open_ended:
        event.add("rrule", {"freq": "daily"})
    more = ", continue" if open_ended else ""
    event.add(
        "summary", f"{plan.drug_name} {step.daily_total_mg:g} mg/day (step {step.index}{more})"
    )
    event.add("description", _step_description(plan, step))
    return event


def _step_description(plan: Plan, step: Step) -> str:
    lines = [f"Step {step.index}: {step.text}"]
    if step.note:
        lines.append(step.note)
    if step.end is None and step.doses:
        lines.append(
            "This dose has no end date: keep taking it until the prescriber changes it."
            + (f" {plan.stopping}" if plan.stopping else "")
        )
    if step.watch_for:
        lines.append("Watch for: " + ", ".join(step.watch_for) + ".")
    lines += list(plan.withdrawal.seek_care)
    lines.append("Decision support, not a prescription: follow your prescriber's instructions.")
    return "\n".join(lines)


def plan_calendar(
    plan: Plan,
    *,
    mode: Literal["dose", "day"] = "dose",
    reminder_minutes: int = 10,
    tz: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The plan as an .ics file's bytes."""
    if not 0 <= reminder_minutes <= 24 * 60:
        raise InputError("must be between 0 and 1440 minutes", field="reminder_minutes")
    zone = time_zone(tz)
    stamp = stamp or datetime.now(UTC)
    cal = new_calendar(f"{plan.drug_name} {plan.kind} plan")
    for step in plan.steps:
        # None: open-ended (maintenance), repeated daily with no COUNT.
        days = None if step.end is None else (step.days or (step.end - step.start).days + 1)
        if not step.doses:
            event = Event()
            event.add("uid", event_uid(plan.drug, plan.kind, step.index, "stop", step.start))
            event.add("dtstamp", stamp)
            event.add("dtstart", step.start)
            event.add("dtend", step.start + timedelta(days=1))
            event.add("summary", f"{plan.drug_name}: {step.text}")
            event.add("description", _step_description(plan, step))
            event.add_component(display_alarm(step.text, timedelta(hours=9)))
            cal.add_component(event)
            continue
        if mode == "day" and days is None:
            cal.add_component(_day_event(plan, step, step.start, stamp, open_ended=True))
            continue
        if mode == "day":
            assert days is not None
            for k in range(days):
                day = step.start + timedelta(days=k)
                cal.add_component(_day_event(plan, step, day, stamp, open_ended=False))
            continue
        for dose in step.doses:
            hh, mm = (int(x) for x in dose.time.split(":"))
            start = datetime.combine(step.start, time(hh, mm), tzinfo=zone)
            tablets = " + ".join(t.text for t in dose.tablets)
            event = Event()
            event.add("uid", event_uid(plan.drug, plan.kind, step.index, dose.time, step.start))
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=15))
            event.add("rrule", {"freq": "daily", "count": days} if days else {"freq": "daily"})
            event.add("summary", f"{plan.drug_name} {dose.dose_mg:g} mg: {tablets}")
            event.add("description", _step_description(plan, step))
            event.add("categories", ["Medication"])
            event.add_component(
                display_alarm(
                    f"Take {plan.drug_name} {dose.dose_mg:g} mg ({tablets})",
                    timedelta(minutes=-reminder_minutes),
                )
            )
            cal.add_component(event)
    if zone is not None:
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


def pump_calendar(pump: PumpPlan, *, stamp: datetime | None = None) -> bytes:
    """Pump reminders, refill-by, alarm and empty dates as all-day events with a 09:00 alert."""
    stamp = stamp or datetime.now(UTC)
    cal = new_calendar("Baclofen pump refills")
    for e in pump.events:
        event = Event()
        event.add("uid", event_uid("pump", pump.last_refill, e.kind, e.date))
        event.add("dtstamp", stamp)
        event.add("dtstart", e.date)
        event.add("dtend", e.date + timedelta(days=1))
        event.add("summary", e.text)
        event.add(
            "description",
            "\n".join(
                [e.text, *pump.withdrawal.seek_care, "Decision support, not a prescription."]
            ),
        )
        if e.kind != "dose_change":
            event.add_component(display_alarm(e.text, timedelta(hours=9)))
        cal.add_component(event)
    return bytes(cal.to_ical())
