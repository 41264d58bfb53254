"""The quick daily diary form: which planned doses were taken (and when), an extra or as-needed
dose, pain, spasms, stress, sleep and side effects, read into diary entries. A blank item is not
recorded (never stored as zero); a problem is named by its form field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from myorelax.api.web.forms import Values, text
from myorelax.diary.entries import SIDE_EFFECTS, DiaryEntry, parse_entry
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
    """One planned dose of the day's form: regimen, its index and default clock time."""

    key: str
    regimen: RegimenPeriod
    clock: str


def dose_rows(regimens: tuple[RegimenPeriod, ...], day: date) -> list[DoseRow]:
    rows = []
    for r in regimens:
        if r.prn or r.dose_mg is None or not r.active_on(day):
            continue
        for i, clock in enumerate(r.times):
            rows.append(DoseRow(f"dose_{r.id}_{i}", r, clock))
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


def _entry(data: dict[str, Any], field: str) -> DiaryEntry:
    try:
        return parse_entry(data)
    except InputError as exc:
        raise InputError(exc.message, field=field) from None


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
    at = local_now if day == local_now.date() else datetime.combine(day, RATING_TIME, zone)
    out: list[DiaryEntry] = []
    for row in dose_rows(regimens, day):
        if text(values, row.key) != "on":
            continue
        clock = _clock(values, f"{row.key}_time", row.clock)
        out.append(_entry({"at": datetime.combine(day, clock, zone), "kind": "dose",
                           "drug": row.regimen.drug, "dose_mg": row.regimen.dose_mg,
                           "dose_status": "planned"}, row.key))  # fmt: skip
    extra_mg = _float(values, "extra_mg", "Extra dose")
    if extra_mg is not None:
        drug = text(values, "extra_drug")
        regimen = next((r for r in regimens if r.drug == drug and r.active_on(day)), None)
        if regimen is None:
            raise InputError("choose the drug of the extra dose", field="extra_drug")
        clock = _clock(values, "extra_time", local_now.strftime("%H:%M"))
        out.append(_entry({"at": datetime.combine(day, clock, zone), "kind": "dose",
                           "drug": drug, "dose_mg": extra_mg,
                           "dose_status": "prn" if regimen.prn else "extra"}, "extra_mg"))  # fmt: skip
    for kind, name in (("pain", "pain"), ("stress", "stress"), ("stiffness", "stiffness")):
        value = _float(values, name, kind.capitalize())
        if value is not None:
            out.append(_entry({"at": at, "kind": kind, "value": value}, name))
    spasm = _float(values, "spasm", "Spasm frequency")
    if spasm is not None:
        severity = _float(values, "spasm_severity", "Spasm severity")
        data: dict[str, Any] = {"at": at, "kind": "spasm", "value": spasm}
        if spasm > 0:
            if severity is None:
                raise InputError("choose how severe the spasms were (1-3)",
                                 field="spasm_severity")  # fmt: skip
            data["severity"] = int(severity)
        out.append(_entry(data, "spasm"))
    sleep = _float(values, "sleep_hours", "Sleep")
    quality = _float(values, "sleep_quality", "Sleep quality")
    if sleep is None and quality is not None:
        raise InputError("give the hours slept as well as the quality", field="sleep_hours")
    if sleep is not None:
        data = {"at": datetime.combine(day, time(7, 0), zone) if day != local_now.date() else at,
                "kind": "sleep", "value": sleep}  # fmt: skip
        if quality is not None:
            data["quality"] = quality
        out.append(_entry(data, "sleep_hours"))
    for symptom in SIDE_EFFECTS:
        severity = _float(values, f"se_{symptom}", symptom.capitalize())
        if severity:
            out.append(_entry({"at": at, "kind": "side_effect", "symptom": symptom,
                               "severity": int(severity)}, f"se_{symptom}"))  # fmt: skip
    note = text(values, "note")
    if note:
        out.append(_entry({"at": at, "kind": "note", "text": note}, "note"))
    if not out:
        raise InputError("nothing to save: tick a dose or fill in at least one item", field="day")
    return out
