"""iCalendar building blocks shared by the plans and the diary reminders: a calendar with this
project's product id, stable event uids, display alarms, IANA time zones."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar

from myorelax.errors import InputError

PRODID = "-//myorelax//plans//EN"


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def event_uid(*parts: object) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return f"{digest}@myorelax"


def display_alarm(description: str, trigger: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", description)
    alarm.add("trigger", trigger)
    return alarm


def time_zone(tz: str | None) -> ZoneInfo | None:
    if tz is None:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {tz!r} (use an IANA name such as Europe/Paris)", field="tz"
        ) from None
