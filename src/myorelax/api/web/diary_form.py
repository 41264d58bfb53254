"""The quick daily diary form: which planned doses were taken (and when), an extra or as-needed
dose, pain, spasms, stress, sleep and side effects, read into diary entries. A blank item is not
recorded (never stored as zero); a problem is named by its form field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from myorelax.api.web.forms import Values, text
from myorelax.diary.entries import (
    CLOCK_SKEW_MIN,
    SIDE_EFFECTS,
    DiaryEntry,
    describe_entry,
    not_in_future,
    parse_entry,
)
from myorelax.diary.records import RegimenPeriod
from myorelax.errors import InputError

RATING_TIME = time(21, 0)  # a past day's ratings are recorded at 21:00 local time
PENN = (
    "0: no spasms",
    "1: mild spasms only when stimulated",
    "2: spasms less than once an hour",
    "3: spasms one to ten times an hour",
    "4: spasms more than ten times an hour",
)


@dataclass(frozen=True)
class DoseRow:
    """One planned dose of the day's form: regimen, its index and default clock time; `due`
    says it is later today (it cannot be ticked as taken yet)."""

    key: str
    regimen: RegimenPeriod
    clock: str
    due: bool = False


def dose_rows(
    regimens: tuple[RegimenPeriod, ...], day: date, local_now: datetime | None = None
) -> list[DoseRow]:
    """The planned doses of `day`; with `local_now`, those of today still to come are `due`."""
    rows = []
    for r in regimens:
        if r.prn or r.dose_mg is None or not r.active_on(day):
            continue
        for i, clock in enumerate(r.times):
            due = False
            if local_now is not None and day == local_now.date():
                at = datetime.combine(day, time.fromisoformat(clock), local_now.tzinfo)
                due = at > local_now + timedelta(minutes=CLOCK_SKEW_MIN)
            rows.append(DoseRow(f"dose_{r.id}_{i}", r, clock, due))
    return rows


def _float(values: Values, name: str, what: str) -> float | None:
    raw = text(values, name)
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise InputError(f"{what}: {raw!r} is not a number", field=name) from None


def _clock(values: Values, name: str, default: str) -> time:
    raw = text(values, name) or default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a time (HH:MM)", field=name) from None


def read_day(values: Values, today: date) -> date:
    raw = text(values, "day")
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a date (YYYY-MM-DD)", field="day") from None
    if day > today:
        raise InputError("is in the future: record a day that has happened", field="day")
    return day


def _entry(data: dict[str, Any], field: str, now: datetime, time_field: str) -> DiaryEntry:
    try:
        entry = parse_entry(data)
    except InputError as exc:
        raise InputError(exc.message, field=field) from None
    not_in_future(entry, now, time_field)
    return entry


def default_rating_clock(day: date, local_now: datetime) -> str:
    """Ratings default to now today, and to 21:00 on a past day."""
    return local_now.strftime("%H:%M") if day == local_now.date() else RATING_TIME.strftime("%H:%M")


def diary_entries(
    values: Values,
    regimens: tuple[RegimenPeriod, ...],
    *,
    tz: str,
    now: datetime,
) -> list[DiaryEntry]:
    """The entries a filled-in form stands for (at least one, or an error on `day`)."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    day = read_day(values, local_now.date())
    # the time of the ratings is the patient's (default now; 21:00 for a past day)
    at = datetime.combine(day, _clock(values, "at_time", default_rating_clock(day, local_now)),
                          zone)  # fmt: skip
    out: list[DiaryEntry] = []

    def entry(data: dict[str, Any], field: str, time_field: str = "at_time") -> None:
        out.append(_entry(data, field, now, time_field))

    for row in dose_rows(regimens, day):
        if text(values, row.key) != "on":
            continue
        clock = _clock(values, f"{row.key}_time", row.clock)
        entry({"at": datetime.combine(day, clock, zone), "kind": "dose",
               "drug": row.regimen.drug, "dose_mg": row.regimen.dose_mg,
               "dose_status": "planned"}, row.key, f"{row.key}_time")  # fmt: skip
    extra_mg = _float(values, "extra_mg", "Extra dose")
    if extra_mg is not None:
        drug = text(values, "extra_drug")
        regimen = next((r for r in regimens if r.drug == drug and r.active_on(day)), None)
        if regimen is None:
            raise InputError("choose the drug of the extra dose", field="extra_drug")
        clock = _clock(values, "extra_time", local_now.strftime("%H:%M"))
        entry({"at": datetime.combine(day, clock, zone), "kind": "dose", "drug": drug,
               "dose_mg": extra_mg, "dose_status": "prn" if regimen.prn else "extra"},
              "extra_mg", "extra_time")  # fmt: skip
    for kind, name in (("pain", "pain"), ("stress", "stress"), ("stiffness", "stiffness")):
        value = _float(values, name, kind.capitalize())
        if value is not None:
            entry({"at": at, "kind": kind, "value": value}, name)
    spasm = _float(values, "spasm", "Spasm frequency")
    if spasm is not None:
        severity = _float(values, "spasm_severity", "Spasm severity")
        data: dict[str, Any] = {"at": at, "kind": "spasm", "value": spasm}
        if spasm > 0:
            if severity is None:
                raise InputError("choose how severe the spasms were (1-3)",
                                 field="spasm_severity")  # fmt: skip
            data["severity"] = int(severity)
        entry(data, "spasm")
    sleep = _float(values, "sleep_hours", "Sleep")
    quality = _float(values, "sleep_quality", "Sleep quality")
    if sleep is None and quality is not None:
        raise InputError("give the hours slept as well as the quality", field="sleep_hours")
    if sleep is not None:
        data = {"at": at, "kind": "sleep", "value": sleep}
        if quality is not None:
            data["quality"] = quality
        entry(data, "sleep_hours")
    for symptom in SIDE_EFFECTS:
        severity = _float(values, f"se_{symptom}", symptom.capitalize())
        if severity:
            entry({"at": at, "kind": "side_effect", "symptom": symptom,
                   "severity": int(severity)}, f"se_{symptom}")  # fmt: skip
    note = text(values, "note")
    if note:
        entry({"at": at, "kind": "note", "text": note}, "note")
    if not out:
        raise InputError("nothing to save: tick a dose or fill in at least one item", field="day")
    return out


def saved_message(
    saved: list[DiaryEntry], replaced_ids: set[int], unchanged_ids: set[int] | None = None
) -> str:
    """What a save stored, in words: "Saved for 6 Dec: baclofen 10 mg (planned dose) at
    08:00; pain 7/10 (replaces the earlier value); sleep 6.5 h." """
    if not saved:
        return ""
    days = sorted({e.at.date() for e in saved})
    parts = []
    for e in sorted(saved, key=lambda e: (e.kind != "dose", e.at)):
        words = describe_entry(e, with_time=False)
        if e.kind == "dose":
            words += f" at {e.at:%H:%M}"
        if e.id in replaced_ids:
            words += " (replaces the value saved earlier that day)"
        elif unchanged_ids and e.id in unchanged_ids:
            words += " (already recorded)"
        parts.append(words)
    when = ", ".join(f"{d:%a %d %b}" for d in days)
    return f"Saved for {when}: " + "; ".join(parts) + "."


def entry_values(e: DiaryEntry) -> Values:
    """The correction form's fields for a stored entry."""
    v: Values = {"entry_day": e.at.date().isoformat(), "entry_time": e.at.strftime("%H:%M")}
    if e.dose_mg is not None:
        v["dose_mg"] = f"{e.dose_mg:g}"
    if e.value is not None and e.kind != "pss10":
        v["value"] = f"{e.value:g}"
    if e.severity is not None:
        v["severity"] = str(e.severity)
    if e.quality is not None:
        v["quality"] = f"{e.quality:g}"
    if e.text is not None:
        v["text"] = e.text
    return v


def corrected_entry(old: DiaryEntry, values: Values, *, tz: str, now: datetime) -> DiaryEntry:
    """The entry as corrected on the form (its kind, drug and symptom stay)."""
    zone = old.at.tzinfo or ZoneInfo(tz)
    raw = text(values, "entry_day")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a date (YYYY-MM-DD)", field="entry_day") from None
    clock = _clock(values, "entry_time", old.at.strftime("%H:%M"))
    data: dict[str, Any] = old.model_dump(exclude={"id", "patient_id"})
    data["at"] = datetime.combine(day, clock, zone)
    if old.kind == "dose":
        data["dose_mg"] = _float(values, "dose_mg", "Dose")
    elif old.kind == "note":
        data["text"] = text(values, "text")
    elif old.kind == "side_effect":
        severity = _float(values, "severity", "Severity")
        data["severity"] = int(severity) if severity is not None else None
    elif old.kind != "pss10":
        data["value"] = _float(values, "value", old.kind.capitalize())
        if old.kind == "spasm":
            severity = _float(values, "severity", "Spasm severity")
            data["severity"] = int(severity) if severity and data["value"] else None
        if old.kind == "sleep":
            data["quality"] = _float(values, "quality", "Sleep quality")
    else:
        data["value"] = None
    field = {"dose": "dose_mg", "note": "text", "side_effect": "severity"}.get(old.kind, "value")
    return _entry(data, field, now, "entry_time")
