"""The SIG (dose text) parser.

Grammar (architecture contract)::

    [N tab] DRUG [STRENGTH UNIT] [ROUTE] FREQUENCY [prn] [for N days|weeks]

Route, frequency, ``prn`` and the duration may come in any order after the strength. Frequencies:
``once`` (a single dose), ``qd``/``daily``/``once daily``, ``bid``, ``tid``, ``qid``, ``tid+hs``
("three times a day and at bedtime"), ``qhs``/``at bedtime``, ``qNh``/``every N hours`` (a range
``q6-8h`` takes the shorter interval: the most the order allows), ``N times a day``. Anything not
understood raises `SigParseError` showing where parsing stopped; a drug that does not resolve
raises `UnknownDrugError` with suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from myorelax.clinical.regimen import Dose, Frequency, Order
from myorelax.errors import SigParseError, UnitError, UnknownDrugError
from myorelax.knowledge.terminology import Ingredient, Terminology, default_terminology
from myorelax.units import parse_unit

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|[a-z]+|\S")
_COUNT_WORDS = {"tab", "tabs", "tablet", "tablets", "cap", "caps", "capsule", "capsules"}
_ROUTES = {
    "po": "oral",
    "oral": "oral",
    "orally": "oral",
    "iv": "intravenous",
    "intravenous": "intravenous",
    "intravenously": "intravenous",
    "im": "intramuscular",
    "intramuscular": "intramuscular",
    "it": "intrathecal",
    "intrathecal": "intrathecal",
    "intrathecally": "intrathecal",
    "pr": "rectal",
    "rectal": "rectal",
    "rectally": "rectal",
    "nasal": "nasal",
    "intranasal": "nasal",
}
_DOSE_UNITS = frozenset({"mg", "mcg", "g", "mL", "mg/day", "mcg/day", "mg/kg", "mg/mL"})
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_STOP = set(_ROUTES) | {
    "qd",
    "od",
    "daily",
    "once",
    "twice",
    "bid",
    "tid",
    "qid",
    "qhs",
    "hs",
    "bedtime",
    "nightly",
    "q",
    "every",
    "times",
    "per",
    "at",
    "prn",
    "as",
    "for",
    "by",
    "x",
    "qam",
    "qpm",
    "each",
    "single",
    "stat",
    "mg",
    "mcg",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "capsule",
    "capsules",
}
_CODES: dict[str, tuple[str, float]] = {
    "qd": ("qd", 1),
    "od": ("qd", 1),
    "daily": ("qd", 1),
    "qam": ("qd", 1),
    "qpm": ("qpm", 1),
    "bid": ("bid", 2),
    "tid": ("tid", 3),
    "qid": ("qid", 4),
    "qhs": ("qhs", 1),
    "hs": ("qhs", 1),
    "nightly": ("qhs", 1),
}
_TIMES: dict[str, tuple[str, ...]] = {
    "qd": ("08:00",),
    "qpm": ("20:00",),
    "bid": ("08:00", "20:00"),
    "tid": ("08:00", "14:00", "20:00"),
    "qid": ("08:00", "12:00", "16:00", "20:00"),
    "qhs": ("22:00",),
    "qd+hs": ("08:00", "22:00"),
    "bid+hs": ("08:00", "16:00", "22:00"),
    "tid+hs": ("08:00", "13:00", "18:00", "22:00"),
    "qid+hs": ("08:00", "12:00", "16:00", "20:00", "22:00"),
}


@dataclass(frozen=True)
class _Tok:
    text: str
    pos: int
    end: int

    @property
    def is_number(self) -> bool:
        return bool(re.fullmatch(r"[\d.,]+", self.text)) and any(c.isdigit() for c in self.text)

    @property
    def number(self) -> float:
        return float(self.text.replace(",", ""))


def _tokens(text: str) -> list[_Tok]:
    low = text.lower()
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(low)]


def times_for(code: str, doses_per_day: float, interval_h: float | None) -> tuple[str, ...]:
    """Default clock times of a frequency (first dose at 08:00)."""
    if code in _TIMES:
        return _TIMES[code]
    if interval_h:
        n = max(1, round(24 / interval_h))
        return tuple(
            f"{int((8 + i * interval_h) % 24):02d}:{int(((8 + i * interval_h) % 1) * 60):02d}"
            for i in range(n)
        )
    n = int(doses_per_day)
    if n <= 1:
        return ("08:00",)
    step = 12 / (n - 1) if n <= 4 else 16 / (n - 1)
    return tuple(f"{int(8 + i * step):02d}:{int(((8 + i * step) % 1) * 60):02d}" for i in range(n))


class _Parser:
    def __init__(self, text: str, terminology: Terminology, field: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.term = terminology
        self.field = field

    # -- helpers -------------------------------------------------------------------------
    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.text if t else ""

    def fail(self, problem: str) -> SigParseError:
        t = self.peek()
        pos = t.pos if t else len(self.text)
        return SigParseError(self.text, pos, problem, field=self.field)

    def accept(self, *words: str) -> bool:
        if self.word() in words:
            self.i += 1
            return True
        return False

    def number_at(self, k: int = 0) -> float | None:
        t = self.peek(k)
        if t and t.is_number:
            return t.number
        if t and t.text in _NUMBER_WORDS:
            return float(_NUMBER_WORDS[t.text])
        return None

    # -- grammar ---------------------------------------------------------------------------
    def parse(self, start: date | None) -> Order:
        if not self.toks:
            raise self.fail("empty dose text")
        tablets = self.count()
        resolution, drug_end = self.drug()
        dose = self.strength()
        route: str | None = None
        frequency: Frequency | None = None
        prn = False
        duration: float | None = None
        while self.peek() is not None:
            w = self.word()
            if w in _ROUTES or (w == "by" and self.word(1) == "mouth"):
                if route is not None:
                    raise self.fail("route given twice")
                route = self.route()
            elif w == "prn" or (w == "as" and self.word(1) == "needed"):
                self.i += 1 if w == "prn" else 2
                prn = True
            elif w == "for" or (
                w == "x"
                and self.number_at(1) is not None
                and self.word(2) in ("day", "days", "d", "week", "weeks", "wk")
            ):
                if duration is not None:
                    raise self.fail("duration given twice")
                duration = self.duration()
            elif frequency is None:
                frequency = self.frequency()
            else:
                raise self.fail("unexpected text after the frequency")
        if frequency is None and dose is not None and dose.is_mass_rate:
            frequency = Frequency(code="continuous", doses_per_day=1, interval_h=None, times=())
        if frequency is None:
            raise SigParseError(
                self.text,
                len(self.text),
                "no frequency (e.g. tid, q8h, twice daily, once)",
                field=self.field,
            )
        if tablets is not None and dose is None:
            raise SigParseError(
                self.text,
                drug_end,
                "a tablet count needs the tablet strength (e.g. '1 tab baclofen 20 mg')",
                field=self.field,
            )
        ing = resolution
        return Order(
            text=self.text,
            drug=ing.id,
            drug_name=ing.name,
            rxcui=ing.rxcui,
            has_monograph=ing.has_monograph,
            dose=dose,
            tablets=tablets,
            route=route,
            frequency=frequency,
            prn=prn,
            duration_days=duration,
            start=start,
        )

    def count(self) -> float | None:
        n = self.number_at()
        if n is not None and self.word(1) in _COUNT_WORDS:
            if n <= 0:
                raise self.fail("the tablet count must be positive")
            self.i += 2
            return n
        return None

    def drug(self) -> tuple[Ingredient, int]:
        start = self.i
        j = start
        while j < len(self.toks) and not self.toks[j].is_number and self.toks[j].text not in _STOP:
            j += 1
        if j == start:
            raise self.fail("expected a drug name")
        # Longest prefix of the name span, ending in a word, that resolves.
        for k in range(j, start, -1):
            if not self.toks[k - 1].text[-1].isalnum():
                continue
            span = self.text[self.toks[start].pos : self.toks[k - 1].end]
            try:
                res = self.term.resolve(span, field=self.field)
            except UnknownDrugError:
                continue
            self.i = k
            return res.ingredient, self.toks[k - 1].end
        span = self.text[self.toks[start].pos : self.toks[j - 1].end]
        raise UnknownDrugError(span, self.term.suggest(span), field=self.field)

    def strength(self) -> Dose | None:
        if self.word() == "-" and self.number_at(1) is not None:
            raise self.fail("a dose cannot be negative")
        first = self.peek()
        value = self.number_at()
        if value is None or first is None or not first.is_number:
            return None
        unit_tok = self.peek(1)
        if unit_tok is None or not unit_tok.text.isalpha():
            raise SigParseError(
                self.text, first.end, "a dose needs a unit (mg, mcg, g, mL)", field=self.field
            )
        unit = unit_tok.text
        consumed = 2
        if self.word(2) == "/" and self.word(3) in ("day", "d", "kg", "ml"):
            unit = f"{unit}/{'day' if self.word(3) in ('day', 'd') else self.word(3)}"
            consumed = 4
        unit = {"ml": "mL", "ug": "mcg", "mgs": "mg", "mcgs": "mcg"}.get(unit, unit)
        unit = unit.replace("/ml", "/mL")
        try:
            parse_unit(unit, field=self.field)
        except UnitError:
            raise SigParseError(
                self.text,
                unit_tok.pos,
                f"a dose needs a unit (mg, mcg, g, mL); {unit_tok.text!r} is not one",
                field=self.field,
            ) from None
        if unit not in _DOSE_UNITS:
            raise UnitError(
                f"{value:g} {unit} is not a dose: give a mass (mg, mcg, g) or, for a liquid, mL",
                field=self.field,
            )
        if value <= 0:
            raise UnitError(f"dose must be positive, got {value:g} {unit}", field=self.field)
        self.i += consumed
        return Dose(value=value, unit=unit)

    def route(self) -> str:
        if self.word() == "by":
            self.i += 2
            return "oral"
        r = _ROUTES[self.word()]
        self.i += 1
        return r

    def duration(self) -> float:
        self.i += 1  # 'for' or 'x'
        n = self.number_at()
        if n is None:
            raise self.fail("expected a number of days or weeks")
        if n <= 0:
            raise self.fail("the duration must be positive")
        self.i += 1
        unit = self.word()
        self.i += 1
        if unit in ("day", "days", "d"):
            return n
        if unit in ("week", "weeks", "wk", "wks", "w"):
            return n * 7
        if unit in ("month", "months"):
            return n * 30
        self.i -= 1
        raise self.fail("expected days or weeks")

    def frequency(self) -> Frequency:
        w = self.word()
        base: tuple[str, float, float | None]  # code, doses per day, interval (h)
        if w in ("once", "single", "stat") or (w == "x" and self.word(1) == "1"):
            if w == "once" and self.word(1) in ("daily", "a", "per", "every", "each"):
                self.i += 1
                self.day_phrase(optional=False)
                base = ("qd", 1, 24)
            else:
                self.i += 2 if (w == "x" or (w == "single" and self.word(1) == "dose")) else 1
                return Frequency(
                    code="once", doses_per_day=1, interval_h=None, times=("08:00",), single=True
                )
        elif w in _CODES:
            code, per_day = _CODES[w]
            self.i += 1
            base = (code, per_day, 24 / per_day)
        elif w == "twice":
            self.i += 1
            self.day_phrase(optional=False)
            base = ("bid", 2, 12)
        elif w in ("every", "each") and self.word(1) in ("day", "morning"):
            self.i += 2
            base = ("qd", 1, 24)
        elif (w in ("every", "each") and self.word(1) in ("night", "evening")) or (
            w == "at" and self.word(1) == "bedtime"
        ):
            self.i += 2
            base = ("qhs", 1, 24)
        elif w in ("q", "every"):
            self.i += 1
            base = self.interval()
        elif self.number_at() is not None and self.word(1) in ("times", "x"):
            n = self.number_at()
            assert n is not None
            if n <= 0 or n > 24 or n != int(n):
                raise self.fail("the number of doses a day must be a whole number from 1 to 24")
            self.i += 2
            self.day_phrase(optional=False)
            code = {1: "qd", 2: "bid", 3: "tid", 4: "qid"}.get(int(n), f"{int(n)}x/day")
            base = (code, n, 24 / n)
        else:
            raise self.fail("expected a frequency (e.g. tid, q8h, twice daily, once)")
        code, per_day, base_interval = base
        interval: float | None = base_interval
        # '+hs' / 'and at bedtime'
        if self.word() in ("+", "and", "plus") and self.word(1) in ("hs", "qhs", "at", "bedtime"):
            if code not in ("qd", "bid", "tid", "qid"):
                raise self.fail(f"'{code}' cannot take an added bedtime dose")
            self.i += 1
            if self.accept("at") and not self.accept("bedtime"):
                raise self.fail("expected 'bedtime'")
            if self.word() in ("hs", "qhs", "bedtime"):
                self.i += 1
            code = f"{code}+hs"
            per_day += 1
            interval = None
        times = times_for(code, per_day, interval if code.startswith("q") and "h" in code else None)
        return Frequency(code=code, doses_per_day=per_day, interval_h=interval, times=times)

    def day_phrase(self, *, optional: bool) -> None:
        if self.accept("daily"):
            return
        if self.word() in ("a", "per", "each", "every") and self.word(1) == "day":
            self.i += 2
            return
        if self.word() == "/" and self.word(1) in ("day", "d"):
            self.i += 2
            return
        if not optional:
            raise self.fail("expected 'a day' or 'daily'")

    def interval(self) -> tuple[str, float, float]:
        n = self.number_at()
        if n is None:
            raise self.fail("expected hours after q/every (e.g. q8h)")
        self.i += 1
        if self.word() in ("-", "to") and self.number_at(1) is not None:
            self.i += 2  # a range: the shorter interval is the most the order allows
        if not self.accept("h", "hr", "hrs", "hour", "hours"):
            raise self.fail("expected 'h' or 'hours'")
        if n <= 0 or n > 168:
            raise self.fail("the interval must be between 1 and 168 hours")
        return (f"q{n:g}h", 24 / n, n)


def parse_sig(
    text: str,
    *,
    start: date | None = None,
    terminology: Terminology | None = None,
    field: str = "sig",
) -> Order:
    """Parse dose text into an `Order`; raise SigParseError / UnknownDrugError / UnitError."""
    return _Parser(text.strip(), terminology or default_terminology(), field).parse(start)
