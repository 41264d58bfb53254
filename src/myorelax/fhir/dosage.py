"""A FHIR Dosage read into orders from its typed parts (dose, timing, route, as-needed,
duration). No dose text is written and parsed back: the parts become a Dose, a Frequency and the
order's fields, and `Order.text` is rendered from them for display. Only `dosage.text`, typed by
a person, is parsed, and only when the structured timing gives no frequency. Whatever the Dosage
says that is not read is said in a note."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from myorelax.clinical.regimen import MAX_TABLETS, Dose, Frequency, Order, cap_per_day
from myorelax.clinical.sig import (
    every_hours_frequency,
    named_frequency,
    once_frequency,
    orders_for,
    parse_frequency,
    parse_medication,
    times_a_day_frequency,
)
from myorelax.errors import InputError
from myorelax.fhir.reading import (
    codings,
    concept_text,
    fmt_number,
    items,
    mapping,
    number,
    number_problem,
    string,
)
from myorelax.units import convert, ucum_factor

if TYPE_CHECKING:
    from myorelax.fhir.medications import ResolvedMedication
    from myorelax.knowledge.terminology import Terminology

WITHOUT_DOSE = "checked without a dose"  # a note ending so: no dose is assumed

# A mass dose is kept in the unit family its scale names (50 mcg of intrathecal baclofen stays in
# mcg); any other mass the unit registry reads is converted to mg.
_MASS_NAMES = {1.0: "mg", 0.001: "mcg", 1000.0: "g"}
_COUNT_UNITS = frozenset(
    "tablet tablets tab tabs tbl capsule capsules cap caps caplet each unit dose 1".split()
)
# The units of a product strength that make a dose (as the SIG reader takes them).
_STRENGTH_UNITS = frozenset({"mg", "mcg", "g", "mL", "mg/day", "mcg/day", "mg/kg", "mg/mL"})
# A single dose beyond these is not a dose but a broken number (a unit or serializer error): it
# is not read, and said, rather than checked as if it were real.
_MAX_DOSE_MG = 100_000.0
_MAX_DOSE_ML = 1_000.0
UNREADABLE = "is not a readable number"  # in a note on a number of the record that is not read
_MAX_DURATION_DAYS = 3650.0

# HL7 v3 GTSAbbreviation (FHIR R4 timing-abbreviation) codes, and synonyms seen in records:
# the named daily code or the interval in hours, and the word the display text shows.
_NAMED_CODES: dict[str, tuple[str, str]] = {
    "QD": ("qd", "qd"),
    "BID": ("bid", "bid"),
    "TID": ("tid", "tid"),
    "QID": ("qid", "qid"),
    "AM": ("qd", "qam"),
    "PM": ("qpm", "qpm"),
    "BED": ("qhs", "qhs"),
    "HS": ("qhs", "qhs"),
}
_INTERVAL_CODES: dict[str, float] = {"QOD": 48.0, "WK": 168.0}
_UNREPRESENTABLE_CODES = {"MO": "monthly"}
_EVERY_N_HOURS = re.compile(r"Q(\d+(?:\.\d+)?)H")
_PRN_SUFFIX = re.compile(r"\s+(?:prn|as needed)\s*$", re.IGNORECASE)
_PER_DAY = {1: "daily", 2: "bid", 3: "tid", 4: "qid"}
# EventTiming (`when`) of a once-daily dose that names its time of day: the daily code, shown.
_WHEN_DAILY: dict[str, tuple[str, str]] = {
    "HS": ("qhs", "qhs"),
    "EVE": ("qpm", "qpm"),
    "EVE.EARLY": ("qpm", "qpm"),
    "EVE.LATE": ("qpm", "qpm"),
    "NIGHT": ("qpm", "qpm"),
    "MORN": ("qd", "qam"),
    "MORN.EARLY": ("qd", "qam"),
    "MORN.LATE": ("qd", "qam"),
    "WAKE": ("qd", "qam"),
}
# The clock time an EventTiming names, to tell whether `when` agrees with a frequency's times.
_WHEN_CLOCK = {"MORN": "08:00", "WAKE": "08:00", "NOON": "12:00", "EVE": "20:00", "HS": "22:00"}
# Route: words of the route's text or displays (in this order), and SNOMED CT route codes;
# (the word the display text shows, the route name of the order).
_ROUTE_WORDS = (
    ("intrathecal", ("intrathecal", "intrathecal")),
    ("intravenous", ("iv", "intravenous")),
    ("intramuscular", ("im", "intramuscular")),
    ("rectal", ("pr", "rectal")),
    ("nasal", ("nasal", "nasal")),
    ("oral", ("po", "oral")),
    ("mouth", ("po", "oral")),
)
_ROUTE_CODES = {
    "26643006": ("po", "oral"),
    "47625008": ("iv", "intravenous"),
    "78421000": ("im", "intramuscular"),
    "37161004": ("pr", "rectal"),
    "72607000": ("intrathecal", "intrathecal"),
    "46713006": ("nasal", "nasal"),
}
# Dosage elements read (`text` is parsed when the timing gives no frequency; patientInstruction
# says the same for the patient, and is parsed when there is no text; `sequence` orders several
# dosages: see `concurrent_dosages`); any other is noted as not read, as is any of Timing.repeat.
_DOSAGE_READ = frozenset(
    {"timing", "doseAndRate", "doseQuantity", "doseRange", "route", "asNeededBoolean",
     "asNeededCodeableConcept", "asNeeded", "asNeededFor", "text", "patientInstruction",
     "sequence", "id"}
)  # fmt: skip
# The numbers of Timing.repeat (FHIR R4): (element, a whole number, more than zero). frequency,
# frequencyMax, count and countMax are positiveInt; period, periodMax, duration and durationMax
# decimals, none negative (tim-4/tim-5), and a period of 0 says no interval.
_REPEAT_NUMBERS = (
    ("frequency", True, True),
    ("frequencyMax", True, True),
    ("period", False, True),
    ("periodMax", False, True),
    ("count", True, True),
    ("countMax", True, True),
    ("duration", False, False),
    ("durationMax", False, False),
)
_REPEAT_READ = frozenset(
    {"frequency", "frequencyMax", "period", "periodMax", "periodUnit", "when", "timeOfDay",
     "dayOfWeek", "boundsDuration", "count"}
)  # fmt: skip


@dataclass(frozen=True)
class DoseRead:
    """The dose of a Dosage: one dose per ingredient (in the order of the product's
    ingredients), the tablet count, and how the display text shows them ('1 tab ', '350 mg')."""

    doses: tuple[Dose | None, ...] = ()
    tablets: float | None = None
    prefix: str = ""
    strength: str = ""


@dataclass(frozen=True)
class TimingRead:
    """The frequency of a Timing, and the word the display text shows for it."""

    frequency: Frequency
    shown: str
    prn: bool = False  # the timing's code says 'as needed' ('Q4H PRN')


def read_dose(
    med: ResolvedMedication, dosage: Mapping[str, Any], label: str, notes: list[str]
) -> DoseRead:
    """The dose of the first doseAndRate (or an STU3 Dosage's own doseQuantity/doseRange): mg,
    mcg or g; mL of a product whose concentration is known; or a count of tablets of a product
    whose strengths are known. Anything else is noted and checked without a dose."""
    entries = [mapping(e) for e in items(dosage.get("doseAndRate"))]
    if not entries and ("doseQuantity" in dosage or "doseRange" in dosage):
        entries = [dosage]  # FHIR STU3: the dose is on the Dosage itself
    dose_and_rate = entries[0] if entries else {}
    if len(entries) > 1:
        kind = concept_text(dose_and_rate.get("type"))
        notes.append(
            f"{label}: {len(entries)} doses (doseAndRate); the first"
            f"{f' ({kind})' if kind else ''} was read"
        )
    rates = [k for k in ("rateQuantity", "rateRange", "rateRatio") if k in dose_and_rate]
    if rates:
        notes.append(f"{label}: dose rate ({', '.join(rates)}) not read")
        broken = _broken_quantities(dose_and_rate, _RATE_PARTS)
        if broken:
            notes.append(f"{label}: dose rate {', '.join(broken)} {UNREADABLE}")
    quantity = mapping(dose_and_rate.get("doseQuantity"))
    where = "doseAndRate[0].doseQuantity" if dose_and_rate is not dosage else "doseQuantity"
    if not quantity and dose_and_rate.get("doseRange"):
        quantity = mapping(mapping(dose_and_rate.get("doseRange")).get("high"))
        where = where.replace("doseQuantity", "doseRange.high")
        if quantity:
            notes.append(f"{label}: dose range; its upper end was checked")
    low = mapping(mapping(dose_and_rate.get("doseRange")).get("low"))
    low_why = number_problem(low, "value", positive=True) if "doseRange" in where else None
    why = number_problem(quantity, "value", positive=True)
    if why or low_why:
        shown = (
            f"dose value {quantity.get('value')!r} ({where}.value) {UNREADABLE} ({why})"
            if why
            else f"dose range low {low.get('value')!r} ({where[:-5]}.low.value) {UNREADABLE} "
            f"({low_why})"
        )
        notes.append(f"{label}: {shown}; {WITHOUT_DOSE}")
        return DoseRead()
    value = number(quantity.get("value"))
    if not value or value <= 0:
        notes.append(f"{label}: no dose in the dosage; {WITHOUT_DOSE}")
        return DoseRead()
    units = [
        u.lower().strip("{}")
        for u in (string(quantity.get("code")), string(quantity.get("unit")))
        if u is not None
    ]
    unit = units[0] if units else ""
    shown = fmt_number(value)
    # Masses and volumes through the one unit registry (UCUM codes and plain spellings).
    to_mg = ucum_factor(unit, "mg") if unit else None
    to_ml = ucum_factor(unit, "mL") if unit else None
    if med.combination and (to_mg is not None or to_ml is not None):
        notes.append(
            f"{label}: dose {shown} {unit} of a combination product; checked without a dose"
        )
        return DoseRead()
    if (to_mg is not None and value * to_mg > _MAX_DOSE_MG) or (
        to_ml is not None and value * to_ml > _MAX_DOSE_ML
    ):
        notes.append(
            f"{label}: dose value {shown} {unit} ({where}.value) is not a plausible single "
            f"dose: it {UNREADABLE}; {WITHOUT_DOSE}"
        )
        return DoseRead()
    if to_mg is not None:
        mass = _MASS_NAMES.get(to_mg)
        dose = Dose(value=value, unit=mass) if mass else Dose(value=value * to_mg, unit="mg")
        return DoseRead(doses=(dose,), strength=f"{fmt_number(dose.value)} {dose.unit}")
    if to_ml is not None:
        ml = value * to_ml
        if med.concentration_mg_ml:
            mg = ml * med.concentration_mg_ml
            return DoseRead(doses=(Dose(value=mg, unit="mg"),), strength=f"{fmt_number(mg)} mg")
        notes.append(f"{label}: dose {fmt_number(ml)} mL without the concentration; {WITHOUT_DOSE}")
        return DoseRead()
    if unit not in _COUNT_UNITS and unit:
        notes.append(f"{label}: dose unit {unit!r} not read; {WITHOUT_DOSE}")
        return DoseRead()
    if value > MAX_TABLETS:
        notes.append(
            f"{label}: dose {shown} {unit or 'unit(s)'} is more than {MAX_TABLETS:g} tablets; "
            "checked without a dose"
        )
        return DoseRead()
    # A product named with its strengths (a combination's RxNorm name): each ingredient's
    # strength per tablet.
    doses = tuple(
        Dose(value=m.strength, unit=m.unit)
        if m.strength is not None and m.strength > 0 and m.unit in _STRENGTH_UNITS
        else None
        for m in med.match.ingredients
    )
    if med.names_strengths and med.match.ingredients[0].strength is not None and any(doses):
        if not unit:
            notes.append(f"{label}: dose {shown} has no unit; read as {shown} unit(s)")
        return DoseRead(doses=doses, tablets=value, prefix=f"{shown} tab ")
    if med.strength is None:
        notes.append(
            f"{label}: dose {shown} {unit or 'unit(s)'} but the strength is not in the "
            "record; checked without a dose"
        )
        return DoseRead()
    strength = f"{fmt_number(med.strength[0])} {med.strength[1]}"
    if not unit:
        notes.append(f"{label}: dose {shown} has no unit; read as {shown} x {strength}")
    return DoseRead(
        doses=(Dose(value=med.strength[0], unit=med.strength[1]),),
        tablets=value,
        prefix=f"{shown} tab ",
        strength=strength,
    )


def _named(code: str, shown: str) -> TimingRead:
    return TimingRead(named_frequency(code), shown)


def _every(hours: float) -> TimingRead:
    return TimingRead(every_hours_frequency(hours), f"q{fmt_number(hours)}h")


def _code_timing(code: str, label: str, notes: list[str]) -> TimingRead | None:
    """A GTSAbbreviation code (BID, Q6H, QOD, AM, ...), or None when it is not one."""
    code = code.strip().upper()
    if code in _NAMED_CODES:
        return _named(*_NAMED_CODES[code])
    if code in _INTERVAL_CODES:
        return _every(_INTERVAL_CODES[code])
    every = _EVERY_N_HOURS.fullmatch(code)
    if every:
        hours = float(every.group(1))
        if 1 <= hours <= 168:
            return _every(hours)
        notes.append(
            f"{label}: timing code {code} (every {hours:g} hours) cannot be checked here: "
            "intervals of 1 to 168 hours are supported"
        )
    elif code in _UNREPRESENTABLE_CODES:
        notes.append(
            f"{label}: timing code {code} ({_UNREPRESENTABLE_CODES[code]}) cannot be checked "
            "here: intervals of 1 to 168 hours are supported"
        )
    return None


def _without_prn(code: str) -> tuple[str, bool]:
    """A timing code or text without a trailing 'PRN' / 'as needed' ('Q4H PRN'), and whether
    it had one."""
    m = _PRN_SUFFIX.search(code)
    return (code[: m.start()], True) if m and m.start() > 0 else (code, False)


def _timing_from_code(
    concept: Mapping[str, Any], label: str, notes: list[str]
) -> TimingRead | None:
    """Timing.code: a coded abbreviation, else its text or a display (typed by a person: read
    as a frequency, and said)."""
    told = len(notes)
    for c in codings(concept):
        code, prn = _without_prn(string(c.get("code")) or "")
        found = _code_timing(code, label, notes)
        if found is not None:
            return replace(found, prn=prn)
    texts = [string(concept.get("text"))] + [string(c.get("display")) for c in codings(concept)]
    for text in (t for t in texts if t):
        written, prn = _without_prn(text)
        found = _code_timing(written, label, notes)
        if found is None:
            try:
                frequency = parse_frequency(written, field=label)
            except InputError:
                continue
            found = TimingRead(frequency, frequency.code)
        notes.append(f"{label}: timing read from its text {text!r}")
        return replace(found, prn=prn)
    if len(notes) == told:
        shown = concept_text(concept) or "?"
        notes.append(f"{label}: timing code {shown!r} not understood")
    return None


def _timing_from_repeat(
    repeat: Mapping[str, Any], label: str, notes: list[str]
) -> TimingRead | None:
    """Timing.repeat: frequency (frequencyMax, the most it allows) per period, or `when` alone,
    or a single dose (count 1)."""
    bad = {
        f"{k} {repeat[k]!r}": why
        for k, integer, positive in _REPEAT_NUMBERS
        if (why := number_problem(repeat, k, integer=integer, positive=positive))
    }
    if bad:
        # Never a default in place of a broken number (a frequency "three" is not once a day).
        notes.append(
            f"{label}: timing {', '.join(bad)} (timing.repeat) {UNREADABLE} "
            f"({'; '.join(bad.values())}); no frequency read"
        )
        return None
    when = [w.upper() for w in items(repeat.get("when")) if isinstance(w, str)]
    daily = _WHEN_DAILY.get(when[0]) if len(when) == 1 else None
    frequency, frequency_max = number(repeat.get("frequency")), number(repeat.get("frequencyMax"))
    per = max(frequency_max or 0.0, frequency or 0.0) or 1.0
    if frequency_max and frequency_max != (frequency or 1.0):
        notes.append(
            f"{label}: {fmt_number(frequency or 1.0)} to {fmt_number(frequency_max)} doses a "
            f"period (frequencyMax); the upper value, {fmt_number(per)}, was checked"
        )
    period, unit = number(repeat.get("period")), string(repeat.get("periodUnit"))
    period_max = number(repeat.get("periodMax"))
    if period_max and period_max != period:
        notes.append(
            f"{label}: a period of {fmt_number(period or 0)} to {fmt_number(period_max)} "
            f"{unit or ''} (periodMax); the shorter, {fmt_number(period or 0)}, was checked"
        )
    hours = ucum_factor(unit, "h") if unit else None
    if period and period > 0 and hours is not None and per > 0:
        # The registry's factors are exact to 12 digits (1 min = 0.0166666666667 h): round off
        # the last digits so that 60 doses every 60 min is exactly hourly.
        interval = round(period * hours / per, 9)
        if interval <= 0:  # more doses a period than can be told apart (frequency 1e300)
            notes.append(
                f"{label}: {fmt_number(per)} dose(s) every {fmt_number(period)} {unit} cannot "
                "be checked here: intervals of 1 to 168 hours are supported"
            )
            return None
        per_day = 24 / interval
        if per_day == 1 and daily is not None:
            return _named(*daily)
        if (
            unit in ("d", "wk")
            and abs(per_day - round(per_day)) < 1e-6
            and 1 <= round(per_day) <= 24
        ):
            n = round(per_day)
            return TimingRead(times_a_day_frequency(n), _PER_DAY.get(n, f"{n} times a day"))
        if 1 <= interval <= 168:
            return _every(interval)
        notes.append(
            f"{label}: {fmt_number(per)} dose(s) every {fmt_number(period)} {unit} (every "
            f"{interval:.3g} hours) cannot be checked here: intervals of 1 to 168 hours are "
            "supported"
        )
        return None
    if period and period > 0 and per > 0:
        notes.append(
            f"{label}: {fmt_number(per)} dose(s) every {fmt_number(period)} {unit or '(no unit)'} "
            "cannot be checked here: intervals of 1 to 168 hours are supported"
        )
    if daily is not None:
        return _named(*daily)
    if number(repeat.get("count")) == 1 and not period:
        return TimingRead(once_frequency(), "once")
    return None


def _with_clock_times(
    found: TimingRead, repeat: Mapping[str, Any], label: str, notes: list[str]
) -> TimingRead:
    """The record's times of day (timeOfDay) as the frequency's clock times when there is one
    per dose; `when` that the frequency does not already say is noted."""
    frequency = found.frequency
    when = [w.upper() for w in items(repeat.get("when")) if isinstance(w, str)]
    times = list(items(repeat.get("timeOfDay")))
    if times:
        clocks = sorted(
            t[:5] for t in times if isinstance(t, str) and re.fullmatch(r"\d\d:\d\d(:\d\d.*)?", t)
        )
        if len(clocks) == len(times) == len(frequency.times):  # one per dose
            frequency = frequency.model_copy(update={"times": tuple(clocks)})
        else:
            shown = ", ".join(str(t) for t in times)
            notes.append(
                f"{label}: {len(times)} time(s) of day ({shown}) for {found.shown} "
                f"({len(frequency.times)} dose time(s)); the usual clock times were used"
            )
    elif when:
        said = len(when) == 1 and _WHEN_DAILY.get(when[0], ("",))[0] == frequency.code
        clocks = sorted(_WHEN_CLOCK.get(w.split(".")[0], "?") for w in when)
        if len(set(clocks)) == len(frequency.times) == len(clocks) and "?" not in clocks:
            # One named time of day a dose (MORN, NOON, EVE): the doses at those times.
            frequency = frequency.model_copy(update={"times": tuple(clocks)})
        elif not said and tuple(clocks) != tuple(sorted(frequency.times)):
            notes.append(
                f"{label}: timing when {', '.join(when)} not read; the usual clock times of "
                f"{found.shown} ({', '.join(frequency.times)}) were used"
            )
    return replace(found, frequency=frequency)


def read_timing(timing: Mapping[str, Any], label: str, notes: list[str]) -> TimingRead | None:
    """The frequency of a Timing: its code, else its repeat; None (and why, in a note, when
    the Timing says something) when it gives none that can be checked."""
    repeat = mapping(timing.get("repeat"))
    found: TimingRead | None = None
    if timing.get("code"):
        found = _timing_from_code(mapping(timing.get("code")), label, notes)
        if found is not None and repeat:
            other = _timing_from_repeat(repeat, label, [])
            if other is not None and other.frequency.code != found.frequency.code:
                notes.append(
                    f"{label}: timing code {found.shown} and repeat {other.shown} differ; "
                    f"the code ({found.shown}) was read"
                )
    if found is None and repeat:
        found = _timing_from_repeat(repeat, label, notes)
    if found is None and repeat:
        clocks = [t for t in items(repeat.get("timeOfDay")) if isinstance(t, str)]
        if clocks and not repeat.get("period") and 1 <= len(set(clocks)) <= 24:
            # Only times of day: one dose at each, every day.
            n = len(set(clocks))
            found = TimingRead(times_a_day_frequency(n), _PER_DAY.get(n, f"{n} times a day"))
    if found is not None:
        found = _with_clock_times(found, repeat, label, notes)
    days = [str(d) for d in items(repeat.get("dayOfWeek"))]
    if days:
        notes.append(
            f"{label}: only on {', '.join(days)} (dayOfWeek); checked as if taken every day"
        )
    # A boundsPeriod that only starts says when the order began (read from the resource);
    # one that ends bounds the course, and that is not read.
    bounds = mapping(repeat.get("boundsPeriod"))
    unread = sorted(
        k for k in repeat if k not in _REPEAT_READ and (k != "boundsPeriod" or "end" in bounds)
    )
    if "count" in repeat and (found is None or not found.frequency.single):
        unread = sorted([*unread, "count"])
    unread += [f"{k}" for k in timing if k not in ("code", "repeat", "id")]
    if unread:
        notes.append(f"{label}: timing {', '.join(unread)} not read")
    return found


def read_route(dosage: Mapping[str, Any], label: str, notes: list[str]) -> tuple[str, str] | None:
    """(word shown, route name) of the Dosage's route, by its text and displays, or a SNOMED CT
    code; a route that is not one of these is noted."""
    route = mapping(dosage.get("route"))
    if not route:
        return None
    text = " ".join(
        t
        for t in [string(route.get("text"))] + [string(c.get("display")) for c in codings(route)]
        if t
    ).lower()
    for word, found in _ROUTE_WORDS:
        if word in text:
            return found
    for c in codings(route):
        code = string(c.get("code"))
        if code in _ROUTE_CODES:
            return _ROUTE_CODES[code]
    notes.append(f"{label}: route {concept_text(route) or '?'!r} not read")
    return None


def read_duration(
    timing: Mapping[str, Any], label: str, notes: list[str]
) -> tuple[float, str] | None:
    """(days, shown) of Timing.repeat.boundsDuration in days, weeks or months (30 days)."""
    bounds = mapping(mapping(timing.get("repeat")).get("boundsDuration"))
    if not bounds:
        return None
    why = number_problem(bounds, "value", positive=True)
    if why:
        notes.append(
            f"{label}: duration {bounds.get('value')!r} (boundsDuration.value) {UNREADABLE} "
            f"({why}); not read"
        )
        return None
    value = number(bounds.get("value"))
    unit = (string(bounds.get("code")) or string(bounds.get("unit")) or "").lower()
    days: float | None = None
    shown = ""
    if value and value > 0:
        if unit in ("d", "day", "days"):
            days, shown = value, f"for {fmt_number(value)} days"
        elif unit in ("wk", "week", "weeks"):
            days, shown = value * 7, f"for {fmt_number(value)} weeks"
        elif unit in ("mo", "month", "months"):
            days, shown = value * 30, f"for {fmt_number(value)} months"
    if days is None or days > _MAX_DURATION_DAYS:
        notes.append(
            f"{label}: duration {fmt_number(value or 0)} {unit or '(no unit)'} (boundsDuration) "
            "not read"
        )
        return None
    if unit in ("mo", "month", "months"):
        notes.append(f"{label}: duration {fmt_number(value or 0)} months read as {days:g} days")
    return days, shown


def _as_needed(dosage: Mapping[str, Any]) -> bool:
    return (
        dosage.get("asNeededBoolean") is True
        or isinstance(dosage.get("asNeededCodeableConcept"), Mapping)
        or dosage.get("asNeeded") is True  # FHIR R5
        or bool(items(dosage.get("asNeededFor")))
    )


# Quantities of a dose rate: (element, part of a Range or Ratio, or None for a Quantity).
_RATE_PARTS: tuple[tuple[str, str | None], ...] = (
    ("rateQuantity", None),
    ("rateRange", "low"),
    ("rateRange", "high"),
    ("rateRatio", "numerator"),
    ("rateRatio", "denominator"),
)


def _broken_quantities(
    holder: Mapping[str, Any], parts: tuple[tuple[str, str | None], ...]
) -> list[str]:
    """'element.value 'x' (why)' for each Quantity among `parts` whose value is not a number."""
    out = []
    for key, part in parts:
        quantity = mapping(holder.get(key))
        if part is not None:
            quantity = mapping(quantity.get(part))
        why = number_problem(quantity, "value")
        if why:
            where = f"{key}.{part}" if part else key
            out.append(f"{where}.value {quantity.get('value')!r} ({why})")
    return out


def _quantity_text(quantity: Any) -> str:
    q = mapping(quantity)
    unit = string(q.get("unit")) or string(q.get("code")) or ""
    return f"{fmt_number(number(q.get('value')) or 0)} {unit}".strip()


# A cap's count: of doses (and a bare count, read as doses: the larger number, the conservative
# reading), or of tablets (divided by the tablets of a dose).
_CAP_DOSES = frozenset({"dose", "doses", "{dose}", "{doses}", "1", "each", "unit", "{unit}"})
_CAP_TABLETS = (_COUNT_UNITS - _CAP_DOSES) | {"{tbl}", "{tab}", "{cap}"}


def _max_per_day(ratio: Mapping[str, Any], dose: DoseRead) -> float | None:
    """Doses a day from a maxDosePerPeriod of a count (doses, tablets) or a mass per day or per
    24 hours; None when it is something else (per week, in mL, a mass without a known dose)."""
    num, den = mapping(ratio.get("numerator")), mapping(ratio.get("denominator"))
    n, d = number(num.get("value")), number(den.get("value"))
    if n is None or n <= 0 or d is None or d <= 0:
        return None
    period = (string(den.get("code")) or string(den.get("unit")) or "").lower()
    days = {"d": 1.0, "day": 1.0, "days": 1.0, "h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24}
    if period not in days or abs(d * days[period] - 1.0) > 1e-9:
        return None
    unit = (string(num.get("code")) or string(num.get("unit")) or "").lower()
    doses = [x for x in dose.doses if x is not None]
    mass = unit in ("mg", "g", "mcg", "ug")
    return cap_per_day(
        doses=n if unit in _CAP_DOSES else None,
        tablets=n if unit in _CAP_TABLETS else None,
        mg=convert(n, "mcg" if unit == "ug" else unit, "mg") if mass else None,
        tablets_per_dose=dose.tablets,
        strength_mg=doses[0].mg() if len(doses) == 1 else None,
    )


def _dose_cap(
    dosage: Mapping[str, Any], dose: DoseRead, label: str, notes: list[str]
) -> float | None:
    """The Dosage's own cap on a day's doses (maxDosePerPeriod), used by the dose checks; a cap
    that cannot be read as one is said, and the most the frequency allows is checked."""
    if "maxDosePerPeriod" not in dosage:
        return None
    # R4: one Ratio; R5: a list of them.
    ratio = mapping((items(dosage["maxDosePerPeriod"]) or [dosage["maxDosePerPeriod"]])[0])
    shown = " per ".join(_quantity_text(ratio.get(part)) for part in ("numerator", "denominator"))
    broken = _broken_quantities(ratio, (("numerator", None), ("denominator", None)))
    cap = None if broken else _max_per_day(ratio, dose)
    if broken:
        shown = f"({', '.join(broken)} {UNREADABLE})"
    if cap is None:
        notes.append(
            f"{label}: a maximum of {shown} (maxDosePerPeriod) not read; the most the "
            "frequency allows was checked"
        )
        return None
    notes.append(f"{label}: a maximum of {shown} (maxDosePerPeriod): at most {cap:g} doses a day")
    return cap


def _unread_dosage(dosage: Mapping[str, Any], label: str, notes: list[str]) -> None:
    """Notes on the Dosage's elements that are not read (a site, a method, ...)."""
    unread = sorted(k for k in dosage if k not in _DOSAGE_READ and k != "maxDosePerPeriod")
    if unread:
        notes.append(f"{label}: dosage {', '.join(unread)} not read")


def build_orders(
    med: ResolvedMedication,
    dose: DoseRead,
    timing: TimingRead,
    *,
    route: tuple[str, str] | None,
    prn: bool,
    duration: tuple[float, str] | None,
    start: date | None,
    cap: float | None = None,
) -> list[Order]:
    """One order per ingredient from typed parts; `text` rendered from them for display."""
    words = [f"{dose.prefix}{med.name}", dose.strength, route[0] if route else "", timing.shown]
    words += ["prn" if prn else "", duration[1] if duration else ""]
    text = " ".join(w for w in words if w)
    match = med.match
    if not med.combination:
        match = med.alone if med.alone is not None else med.match
    return list(
        orders_for(
            match,
            text,
            doses=dose.doses,
            tablets=dose.tablets,
            route=route[1] if route else None,
            frequency=timing.frequency,
            prn=prn,
            duration_days=duration[0] if duration else None,
            start=start,
            max_doses_per_day=cap,
        )
    )


def drug_only(med: ResolvedMedication, start: date | None) -> list[Order]:
    return list(orders_for(med.match, med.text, start=start))


def _product_strength(med: ResolvedMedication) -> str | None:
    """A one-ingredient product's strength per unit as dose text ('10 mg', '0.025 mg/h')."""
    if med.combination or not med.match.ingredients:
        return None
    m = med.match.ingredients[0]
    if m.strength is None or m.unit not in ("mg", "mcg", "g", "mg/h", "mcg/h"):
        return None
    return f"{m.strength:g} {m.unit}"


def concurrent_dosages(
    dosages: list[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The dosages taken together from the start, and the later steps. FHIR R4 Dosage.sequence:
    dosages of one number are concurrent (a split dose: 10 mg in the morning, 20 mg at bedtime),
    of different numbers sequential (a titration or a taper). The lowest number is the first step;
    a dosage without a number goes with it; with no number on any, all are read as taken
    together (summed against the daily limits: the conservative reading)."""
    numbers = [
        n for d in dosages if isinstance(n := d.get("sequence"), int) and not isinstance(n, bool)
    ]
    if not numbers:
        return list(dosages), []
    first = min(numbers)
    now = [d for d in dosages if d.get("sequence") in (first, None)]
    return now, [d for d in dosages if d.get("sequence") not in (first, None)]


def orders_from_dosage(
    med: ResolvedMedication,
    dosage: Mapping[str, Any],
    start: date | None,
    label: str,
    term: Terminology | None = None,
) -> tuple[list[Order], list[str]]:
    """The orders of one Dosage, built from its typed parts, and notes on what was not read.
    Its free text is parsed only when the structured timing gives no frequency."""
    notes: list[str] = []
    timing = mapping(dosage.get("timing"))
    dose = read_dose(med, dosage, label, notes)
    found = read_timing(timing, label, notes)
    route = read_route(dosage, label, notes)
    duration = read_duration(timing, label, notes)
    _unread_dosage(dosage, label, notes)
    if found is not None:
        prn = _as_needed(dosage) or found.prn
        cap = _dose_cap(dosage, dose, label, notes)
        try:
            orders = build_orders(
                med, dose, found, route=route, prn=prn, duration=duration, start=start, cap=cap
            )
            return orders, notes
        except ValueError as exc:  # an order out of its bounds (a pydantic ValidationError)
            notes.append(f"{label}: dosage not accepted ({str(exc).splitlines()[0]})")
    # The instruction for the patient says the same when the dosage has no text of its own.
    text = string(dosage.get("text")) or string(dosage.get("patientInstruction"))
    ids = {m.ingredient.id for m in med.match.ingredients}
    if text:
        # The text alone, after the drug's name, after the strength the dose gave, or after the
        # product's own strength ('Take 1 tablet (10 mg total) by mouth 3 (three) times daily'
        # for a 10 mg tablet, 'Apply 1 patch every 72 hours' for a 25 mcg/hr patch).
        per_unit = _product_strength(med)
        candidates = [text, f"{med.name} {text}"]
        candidates += [f"{med.name} {s} {text}" for s in (dose.strength, per_unit) if s]
        for sig in dict.fromkeys(candidates):
            try:
                line = parse_medication(sig, start=start, field=label, terminology=term)
            except InputError:
                continue
            if {o.drug for o in line.orders} == ids:
                if any(o.dose is not None for o in line.orders):
                    # A dose a person wrote in the text stands where the structure had none.
                    notes = [n for n in notes if not n.endswith(WITHOUT_DOSE)]
                return list(line.orders), [*notes, f"{label}: dose read from its text {text!r}"]
    what = "no frequency" if found is None else "a dosage not understood"
    if text:
        what += f" (text {text!r})"
    return drug_only(med, start), [*notes, f"{label}: {what}; checked as drug only"]
