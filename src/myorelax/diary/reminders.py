"""Reminders for the diary: the planned doses of the current regimens and the daily entry, as
the items the open page turns into browser notifications and as an iCalendar feed the patient
subscribes to (built like the plans' .ics files, with the `icalendar` library)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Event

from myorelax.calendars import display_alarm, event_uid, new_calendar
from myorelax.diary.records import PatientRecord, RegimenPeriod

DAILY_ENTRY_AT = "20:30"  # design choice: the evening reminder to fill in the day


def reminder_items(regimens: tuple[RegimenPeriod, ...], day: date) -> list[dict[str, str]]:
    """Today's reminders for the page: each planned dose, then the daily entry."""
    items = []
    for r in regimens:
        if r.prn or r.dose_mg is None or not r.active_on(day):
            continue
        for clock in r.times:
            items.append({"at": clock, "kind": "dose",
                          "text": f"Time for {r.drug} {r.dose_mg:g} mg ({clock})"})  # fmt: skip
    items.append({"at": DAILY_ENTRY_AT, "kind": "entry",
                  "text": "Fill in today's diary: pain, spasms, stress"})  # fmt: skip
    return sorted(items, key=lambda i: i["at"])


def reminder_calendar(
    record: PatientRecord,
    regimens: tuple[RegimenPeriod, ...],
    *,
    diary_url: str,
    today: date | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The feed: each planned dose of the current and coming regimens repeated daily until the
    regimen ends, and the daily entry every evening (both with a reminder at the time)."""
    zone = ZoneInfo(record.timezone)
    stamp = stamp or datetime.now(UTC)
    today = today or datetime.now(zone).date()
    cal = new_calendar("myorelax diary reminders")
    for r in regimens:
        if r.prn or r.dose_mg is None or (r.end is not None and r.end < today):
            continue
        first = max(r.start, today)
        for clock in r.times:
            start = datetime.combine(first, time.fromisoformat(clock), tzinfo=zone)
            event = Event()
            event.add("uid", event_uid("diary", record.id, r.id, clock, r.start))
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(minutes=15))
            rule: dict[str, object] = {"freq": "daily"}
            if r.end is not None:
                rule["until"] = datetime.combine(r.end, time(23, 59), tzinfo=zone).astimezone(UTC)
            event.add("rrule", rule)
            event.add("summary", f"{r.drug} {r.dose_mg:g} mg")
            event.add("description", f"Planned dose ({r.sig}). Tick it in the diary once taken: "
                      f"{diary_url}")  # fmt: skip
            event.add("categories", ["Medication"])
            event.add_component(display_alarm(f"Take {r.drug} {r.dose_mg:g} mg", timedelta(0)))
            cal.add_component(event)
    start = datetime.combine(today, time.fromisoformat(DAILY_ENTRY_AT), tzinfo=zone)
    event = Event()
    event.add("uid", event_uid("diary", record.id, "daily-entry"))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=10))
    event.add("rrule", {"freq": "daily"})
    event.add("summary", "Diary: how was the day?")
    event.add("description", f"Record pain, spasms, stress and sleep: {diary_url}")
    event.add_component(display_alarm("Fill in today's diary", timedelta(0)))
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
