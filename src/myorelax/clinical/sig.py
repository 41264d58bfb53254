"""The SIG (dose text) parser.

Grammar (architecture contract)::

    [N tab] DRUG [STRENGTH UNIT] [ROUTE] FREQUENCY [prn] [for N days|weeks]

DRUG may be an ingredient, a brand (of a combination product too: "Percocet"), names joined by
``/``, ``-``, ``+``, ``and`` or ``with`` ("oxycodone/acetaminophen"), an RxNorm product name
("acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet [Percocet]") or an RxCUI. A
combination takes one strength per ingredient ("5/325 mg", "10-325", "5 mg/325 mg"), matched to
the product's known strengths or, for names typed in order, by position to the products of
exactly those ingredients (no unit written: a set no product has is refused, naming those that
exist); a brand may carry numbers in its name ("Loestrin 1/20"); the tablet count may
follow the strength ("Norco 10-325 mg 1 tab q6h prn"). `parse_medication` returns one order per
ingredient, all sharing the product, frequency and duration.

Route, frequency, ``prn`` and the duration may come in any order after the strength. Frequencies:
``once`` (a single dose), ``qd``/``daily``/``once daily``, ``bid``, ``tid``, ``qid``, ``tid+hs``
("three times a day and at bedtime"), ``qhs``/``at bedtime``, ``qNh``/``every N hours`` (a range
``q6-8h`` takes the shorter interval: the most the order allows), ``N times a day``. Anything not
understood raises `SigParseError` showing where parsing stopped; a drug that does not resolve
raises `UnknownDrugError` with suggestions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from myorelax.clinical.regimen import MAX_TABLETS, Dose, Frequency, Order, cap_per_day
from myorelax.errors import InputError, SigParseError, UnitError, UnknownDrugError
from myorelax.knowledge.rxnames import FORM_WORDS, parse_rxnorm_name
from myorelax.knowledge.terminology import (
    MatchedIngredient,
    MedicationMatch,
    Terminology,
    default_terminology,
)
from myorelax.knowledge.text import join_and
from myorelax.units import convert, has_dimension, parse_unit

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|[a-z]+|\S")
_TABLET_WORDS = {"tab", "tabs", "tablet", "tablets", "cap", "caps", "capsule", "capsules"}
# A patch is counted like a tablet ('apply 1 patch'); written after a dose it also says the route
# ('fentanyl 25 mcg/hr patch q72h').
_PATCH_WORDS = {"patch", "patches"}
_COUNT_WORDS = _TABLET_WORDS | _PATCH_WORDS
_FORM_ROUTE = dict.fromkeys(_TABLET_WORDS, "oral") | dict.fromkeys(_PATCH_WORDS, "transdermal")
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
    "sublingual": "sublingual",
    "sl": "sublingual",
    "buccal": "buccal",
    "subcutaneous": "subcutaneous",
    "subq": "subcutaneous",
    "sq": "subcutaneous",
    "transdermal": "transdermal",
    "transdermally": "transdermal",
    "topical": "topical",
    "topically": "topical",
}
_DOSE_UNITS = frozenset(
    {"mg", "mcg", "g", "mL", "mg/day", "mcg/day", "mg/h", "mcg/h", "mg/kg", "mg/mL"}
)
# Units as people write them, spelled out or abbreviated ('10 milligrams', '5 mls', '1 gm').
_UNIT_WORDS = {
    "ml": "mL", "mls": "mL", "milliliter": "mL", "milliliters": "mL", "millilitre": "mL",
    "millilitres": "mL", "ug": "mcg", "mcgs": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "mgs": "mg", "milligram": "mg", "milligrams": "mg", "gm": "g", "gms": "g", "gram": "g",
    "grams": "g",
}  # fmt: skip
# Words for an hour after a mass ('25 mcg/hr', '25 mcg per hour': a patch or an infusion rate).
_HOUR_WORDS = frozenset({"h", "hr", "hrs", "hour"})
_JOINERS = frozenset({"/", "-", "+", "and", "with", "&"})
# The same joiners, to split a name as typed ('aspirin-codeine') into its ingredient names.
_JOINED_NAMES = re.compile(r"\s*[-/+&]\s*|\s+(?:and|with)\s+")
_NDC = re.compile(r"\d{4,5}-\d{3,4}-\d{1,2}(?!\d)")
# Text in RxNorm's own style: a brand in brackets, a pack, ingredients joined by " / ", or units
# written in capitals.
_RXNORM_STYLE = re.compile(r"\[|\{| / |\b(?:MG|MCG|ML)\b")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
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
    "bolus",
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
    # The Latin abbreviations of British and Commonwealth prescriptions
    "bd": ("bid", 2),
    "tds": ("tid", 3),
    "qds": ("qid", 4),
    "mane": ("qd", 1),
    "nocte": ("qhs", 1),
}
# 'q am', 'q pm', 'q hs': a code written apart from its q
_Q_APART = {"am": "qam", "pm": "qpm", "hs": "qhs", "d": "qd"}
# Where the reason of an as-needed order ('prn muscle spasm') ends: a word of the grammar.
_REASON_STOP = (
    _STOP
    | set(_CODES)
    | {"every", "q", "once", "twice", "(", ")", "max", "maximum", "nte", "for", "x", "weekly"}
)
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


def _clock_at(toks: list[_Tok], k: int) -> tuple[str, int] | None:
    """A clock time at token k ('8am', '8:30 pm', '20:00', '0800') as HH:MM, with the index
    after it; None when there is none (a bare '8' is not a time: it could be a dose)."""
    if k >= len(toks) or not toks[k].is_number or "." in toks[k].text:
        return None
    text = toks[k].text
    j = k + 1
    minute = 0
    if len(text) == 4 and text.isdigit():
        hour, minute = int(text[:2]), int(text[2:])
        marked = True
    else:
        hour = int(toks[k].number)
        marked = False
        if j + 1 < len(toks) and toks[j].text == ":" and toks[j + 1].text.isdigit():
            minute, j, marked = int(toks[j + 1].text), j + 2, True
    if j < len(toks) and toks[j].text in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if toks[j].text == "pm" else 0)
        j, marked = j + 1, True
    if not marked or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}", j


def _clock_list(toks: list[_Tok], k: int) -> tuple[list[str], int]:
    """Clock times from token k joined by ',', 'and', '&' ('8am, 2pm and 8pm'), with the index
    after the last."""
    times: list[str] = []
    while True:
        got = _clock_at(toks, k)
        if got is None:
            return times, k
        times.append(got[0])
        k = got[1]
        nxt = k
        while nxt < len(toks) and toks[nxt].text in (",", "and", "&"):
            nxt += 1
        if nxt == k or _clock_at(toks, nxt) is None:
            return times, k
        k = nxt


# 'q.8h': the dot after q is punctuation, not the start of '.8' (0.8 hours); replaced by a
# space of the same length, so every token keeps its place in the text.
_Q_DOT = re.compile(r"\bq\.(?=\d)")


def _tokens(text: str) -> list[_Tok]:
    low = _Q_DOT.sub("q ", text.lower())
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(low)]


def _is_dose_unit(word: str) -> bool:
    return _UNIT_WORDS.get(word, word) in _DOSE_UNITS


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


# Words of an EHR's printed instructions that carry nothing the grammar needs: the verb
# ('Take 1 tablet', 'Apply 1 patch') and the formulation, which is read from the order's own
# words where it matters (safety/checks/organ.py: order_release).
_MASS_UNITS = frozenset({"mg", "mcg", "g"})
_WITH_ABBREVIATION = re.compile(r"\bw/\s*(?=[a-z])", re.IGNORECASE)


def _spelled_out(text: str) -> str:
    """The text with 'w/' as the word it stands for ('Tylenol w/ codeine #3', 'w/ meals')."""
    return _WITH_ABBREVIATION.sub("with ", text.strip())


_FILLER_WORDS = frozenset(
    {"take", "apply", "give", "inject", "use", "place", "chew", "swallow", "administer"}
)
# Liquid and other oral forms written after (or before) the strength ('5 mg/5 mL oral solution',
# 'Lyvispah 5 mg granules', '10 mg ODT'): how the drug comes, passed over (the route is oral).
_ORAL_FORM_WORDS = frozenset(
    {"solution", "suspension", "susp", "liquid", "syrup", "elixir", "granules", "packet", "packets"}
    | {"odt", "disintegrating"}
)
# Words that say when a dose is held, never how much or how often ('hold for sedation', 'hold if
# RR < 12'): passed over only when nothing after them reads as a dose or a frequency.
_HOLD_WORDS = frozenset({"hold", "holding"})
# Words that say a frequency is a regular schedule ('Q8H scheduled'): nothing to read.
_SCHEDULE_WORDS = frozenset({"scheduled", "routine", "standing"})
_FREQUENCY_LIKE = re.compile(
    r"^(q\d*\w*|[bt]id|qid|qd|qhs|hs|daily|nightly|bedtime|times|twice|once|every|then|"
    r"mg|mcg|g|ml|tabs?|tablets?|caps?|capsules?|dose|doses|extra|additional|repeat|give|take)$"
)
# Words that start a further step of a changing dose ('then', 'increase by', 'taper').
_STEP_WORDS = frozenset(
    {"then", "increase", "increasing", "may", "titrate", "taper", "decrease", "reduce", "wean"}
)
_DURATION_UNITS = frozenset(
    {"day", "days", "d", "week", "weeks", "wk", "wks", "hour", "hours", "hr", "hrs"}
    | {"month", "months"}
)
# Words that introduce the quantity to dispense ('disp: 30', 'qty 20'): not part of the dose.
_DISPENSE_WORDS = frozenset({"disp", "dispense", "qty", "quantity"})
_RELEASE_WORDS = frozenset(
    {
        "er",
        "xr",
        "xl",
        "sr",
        "cr",
        "ir",
        "dr",
        "ec",
        "la",
        "extended",
        "immediate",
        "delayed",
        "sustained",
        "controlled",
        "modified",
        "release",
        "released",
        "enteric",
        "coated",
    }
)
# Release suffixes of brand names ('Wellbutrin XL', 'Cardizem CD', 'Calan SR'), read between a
# name and its strength when the index has no such brand: the abbreviations among the release
# words, and two that only brands use.
_BRAND_RELEASE = frozenset(w for w in _RELEASE_WORDS if len(w) == 2) | {"cd", "xt"}


# 'with meals', 'after food', 'before breakfast': when a dose is taken, nothing the check uses.
_MEAL_WORDS = frozenset({"meal", "meals", "food", "breakfast", "lunch", "dinner", "supper"})
# Words after 'max 400' that belong to the cap ('max 8 tabs per day', 'max 400 mg/day').
_CAP_WORDS = frozenset(
    {"/", "per", "a", "in", "day", "d", "daily", "24", "hours", "hour", "h", "hr", "hrs"}
    | {"tab", "tabs", "tablet", "tablets", "cap", "caps", "capsule", "capsules", "doses"}
    | {"times", "x"}
)
# Words that never stand in a reason or an indication ('prn spasm', 'for spasticity'): they
# could add doses or change them ('plus an extra dose', 'twice at night'), so the reading stops
# there and the grammar reads them or refuses the line.
_DOSE_WORDS = frozenset(
    {"plus", "also", "extra", "double", "more", "additional", "up", "each", "times", "twice"}
    | {"dose", "doses", "bedtime", "night", "nightly", "morning", "evening", "noon", "half"}
)
# How a cap opens, before its number (the longest first).
_CAP_PHRASES = (
    ("maximum", "daily", "dose", "of"),
    ("maximum", "daily", "dose"),
    ("max", "daily", "dose"),
    ("do", "not", "exceed"),
    ("not", "to", "exceed"),
    ("no", "more", "than"),
    ("maximum", "dose"),
    ("max", "dose"),
    ("maximum", "of"),
    ("max", "of"),
    ("up", "to"),
    ("maximum",),
    ("max",),
    ("nte",),
)
# How a cap says it is per day, at the end of its words: '/day', 'per day', 'in 24 hours'.
_CAP_PER_DAY = re.compile(
    r"(?:^|\s)(?:/ (?:day|d)|per day|a day|daily|(?:in|per|/) 24 (?:hours?|hrs?|h))$"
)
# 'every other day' (48 h), 'every third day' (72 h).
_ORDINAL_DAYS = {"other": 2, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "seventh": 7}
# 'onto the skin': where a patch goes (a cream on the skin is topical).
_SKIN_PHRASES = (
    ("onto", "the", "skin"),
    ("to", "the", "skin"),
    ("on", "the", "skin"),
    ("to", "skin"),
    ("on", "skin"),
)

_UNITS_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _spelled_number(words: list[str]) -> float | None:
    """The value of a number written in words up to 99 ('eight', 'seventy-two'), else None."""
    words = [w for w in words if w != "-"]
    if not words or len(words) > 2:
        return None
    value = 0
    for n, w in enumerate(words):
        if w in _TENS_WORDS and n == 0:
            value += 20 + 10 * _TENS_WORDS.index(w)
        elif w in _UNITS_WORDS and (n == 0 or (value >= 20 and _UNITS_WORDS.index(w) < 10)):
            value += _UNITS_WORDS.index(w)
        else:
            return None
    return float(value)


def _reason_word(w: str) -> bool:
    """A word that can stand in the reason or indication of an order: not a word of the grammar,
    of a further step, of a number or of a unit of time or count, nor one that adds doses."""
    return (
        w.isalpha()
        and w not in _REASON_STOP
        and w not in _STEP_WORDS
        and w not in _DOSE_WORDS
        and w not in _DURATION_UNITS
        and w not in _COUNT_WORDS
        and w not in _NUMBER_WORDS
        and _spelled_number([w]) is None
    )


def _bracketed_count(inner: list[_Tok]) -> float | None:
    """The tablet count of a bracket's words ('1 tab', 'one tablet', '1/2 tab'), else None."""
    words = [t.text for t in inner]
    if len(words) == 2 and words[1] in _COUNT_WORDS:
        n = inner[0].number if inner[0].is_number else _NUMBER_WORDS.get(words[0])
        return float(n) if n is not None and n > 0 else None
    fraction = len(words) == 4 and words[1] == "/" and words[3] in _COUNT_WORDS
    if fraction and inner[0].is_number and inner[2].is_number:
        n, d = inner[0].number, inner[2].number
        return n / d if 0 < n < d else None
    return None


def _undotted(toks: list[_Tok]) -> list[_Tok]:
    """Dotted abbreviations as one word: 'q.i.d.' is 'qid', 'p.o.' is 'po', 'p.r.n.' is 'prn'."""
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        j = i
        while (
            j + 1 < len(toks)
            and len(toks[j].text) == 1
            and toks[j].text.isalpha()
            and toks[j + 1].text == "."
            and toks[j + 1].pos == toks[j].end
            and (j == i or toks[j].pos == toks[j - 1].end)
        ):
            j += 2
        last = toks[j] if j < len(toks) else None
        if (
            j - i >= 2
            and last is not None
            and len(last.text) == 1
            and last.text.isalpha()
            and last.pos == toks[j - 1].end
        ):
            j += 1  # the last letter without its dot ('b.i.d')
        if j - i >= 3:  # two letters or more, each but the last with its dot
            letters = "".join(t.text for t in toks[i:j] if t.text != ".")
            out.append(_Tok(letters, toks[i].pos, toks[j - 1].end))
            i = j
            continue
        out.append(toks[i])
        i += 1
    return out


def _plain_tokens(
    text: str, toks: list[_Tok]
) -> tuple[list[_Tok], float | None, tuple[int, int, str] | None, float | None]:
    """The tokens without an EHR's restatements and punctuation, and the total dose such a
    restatement gives: '3 (three) times' is '3 times', 'Take 1 tablet (10 mg total)' is '1 tablet'
    with 10 mg as the stated total, a comma, semicolon or full stop between phrases and the
    verbs of `_FILLER_WORDS` are dropped. The third value is a number in words that does not
    restate the number before it ('3 (four)'): where the number and the words are, and what to
    say if the line fails. The fourth is a liquid's concentration in mg/mL ('5 mg/5 mL'), taken
    out of the tokens: a dose in mL is converted with it."""
    out: list[_Tok] = []
    total: float | None = None
    unsaid: tuple[int, int, str] | None = None
    concentration: float | None = None  # mg per mL of a liquid, when the line gives it
    toks = _undotted(toks)
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = [x.text for x in toks[i + 1 : i + 5]]
        close = next((k for k in range(i + 1, min(i + 10, len(toks))) if toks[k].text == ")"), None)
        # a dose just given ('10 mg'): a bracket after it may restate its number or its count
        dosed = len(out) >= 2 and out[-2].is_number and _is_dose_unit(out[-1].text)
        said = out[-1] if out and out[-1].is_number else out[-2] if dosed else None
        words = (
            _spelled_number([x.text for x in toks[i + 1 : close]])
            if t.text == "(" and close is not None and said is not None
            else None
        )
        if said is not None and words is not None and words == said.number:
            # '3 (three)', '72 (seventy-two)', '10 mg (ten)': the number said again in words
            assert close is not None
            i = close + 1
            continue
        if said is not None and words is not None and unsaid is None:
            # '3 (four) times': kept (the line will not parse), and said when it fails
            unsaid = (
                said.pos,
                t.pos,
                f"{said.text} is restated in words as {words:g}; write it once",
            )
        tabs = _bracketed_count(toks[i + 1 : close]) if t.text == "(" and close else None
        if dosed and tabs is not None and tabs <= 1:
            # '10 mg (1 tab)', '5 mg (1/2 tab)': how the dose is taken; the dose is as given
            assert close is not None
            i = close + 1
            continue
        if dosed and tabs is not None and unsaid is None:
            # '10 mg (2 tabs)': the whole dose, or each tablet's strength? Kept (the line will
            # not parse) and said when it fails.
            unsaid = (
                out[-2].pos,
                t.pos,
                f"whether {out[-2].text} {out[-1].text} is the whole dose or each tablet's "
                f"strength is unsaid (as {tabs:g} tablets): write the tablet strength and the "
                f"count ('5 mg tab, 2 tabs') or the dose alone",
            )
        if (
            t.text == "("
            and i + 2 < len(toks)
            and toks[i + 1].text == "s"
            and toks[i + 2].text == ")"
            and i > 0
            and t.pos == toks[i - 1].end
        ):
            i += 3  # 'tab(s)', 'day(s)': a plural marker
            continue
        if t.text in ("rf", "refill", "refills") and i + 1 < len(toks):
            # 'RF2', 'refills 0', 'refills: 3': the refills of a prescription, not the dose
            k = i + 1
            while k < len(toks) and toks[k].text in (":", "#"):
                k += 1
            if k < len(toks) and toks[k].is_number:
                i = k + 1
                continue
        if t.text in _SCHEDULE_WORDS and out:
            i += 1  # 'Q8H scheduled', 'TID routine': regular doses, as the frequency says
            continue
        clocks, after = _clock_list(toks, i + 1) if t.text == "at" else ([], i)
        if len(clocks) >= 2:
            # 'at 8am and 8pm', 'at 0800, 1400 and 2000': a schedule of clock times (one
            # token for the frequency reader: '@08:00@20:00')
            out.append(_Tok("@" + "@".join(clocks), t.pos, toks[after - 1].end))
            i = after
            continue
        if (
            t.text == "at"
            and i + 1 < len(toks)
            and toks[i + 1].is_number
            and (
                (len(nxt) >= 2 and nxt[1] in ("am", "pm", ":"))
                or (
                    toks[i + 1].number >= 100
                    and len(nxt[0]) == 4
                    and not (len(nxt) >= 2 and _is_dose_unit(nxt[1]))
                )
            )
        ):
            # 'daily at 9 am', 'at 0900', 'at 9:00 pm': the time of day, not a dose
            k = i + 2
            if k + 1 < len(toks) and toks[k].text == ":" and toks[k + 1].is_number:
                k += 2
            if k < len(toks) and toks[k].text in ("am", "pm"):
                k += 1
            i = k
            continue
        if (
            t.text == "("
            and close is not None
            and i + 1 < len(toks)
            and toks[i + 1].text in _HOLD_WORDS
            and not any(_FREQUENCY_LIKE.match(x.text) for x in toks[i + 1 : close])
        ):
            i = close + 1  # '(hold for SBP<90)': when a dose is held
            continue
        if t.is_number and nxt and nxt[0] in ("refill", "refills"):
            i += 2  # '3 refills'
            continue
        if t.text == "rx" and all(x.text in (".", ";", ",") for x in toks[i + 1 :]):
            i += 1  # a trailing 'Rx' (a prescription, as some EHRs print it)
            continue
        if (
            t.text == "#"
            and i + 1 < len(toks)
            and toks[i + 1].is_number
            # a one-digit number right after the name's words is a product's ('Tylenol #3')
            and not (
                out
                and all(x.text.isalpha() for x in out)
                and len(toks[i + 1].text) == 1
                and toks[i + 1].text != "0"
            )
        ):
            i += 2  # '#20': the quantity to dispense, not the dose
            continue
        if t.text in _DISPENSE_WORDS and i + 1 < len(toks):
            # 'disp: 30 tabs', 'qty #20', 'dispense 30': the quantity to dispense
            k = i + 1
            while k < len(toks) and toks[k].text in (":", "#"):
                k += 1
            if k < len(toks) and toks[k].is_number:
                k += 1
                if k < len(toks) and toks[k].text in _COUNT_WORDS:
                    k += 1
                i = k
                continue
        if (
            t.text == "("
            and len(nxt) >= 3
            and toks[i + 1].is_number
            and nxt[1] in ("mg", "mcg", "g")
            and (
                (len(nxt) == 4 and nxt[2] == "total" and nxt[3] == ")")
                # '1 tab (10 mg)': the total said after a count, as with 'total'
                or (nxt[2] == ")" and bool(out) and out[-1].text in _COUNT_WORDS)
            )
        ):
            total = convert(toks[i + 1].number, nxt[1], "mg")
            i += 5 if nxt[2] == "total" else 4
            continue
        if (
            t.text == "("
            and close is not None
            and i + 1 < len(toks)
            and toks[i + 1].text in ("max", "maximum", "nte")
        ):
            # '(max 36 mg/day)': the cap without its brackets, read as a cap
            out += list(toks[i + 1 : close])
            i = close + 1
            continue
        if t.text == "-" and nxt and nxt[0] in _FILLER_WORDS:
            i += 1  # 'cyclobenzaprine 10 mg tablet - take 1 tablet ...': a separator
            continue
        if (
            t.text == "("
            and dosed
            and close is not None
            and close - i == 6
            and toks[i + 1].is_number
            and nxt[1] == "x"
            and toks[i + 3].is_number
            and nxt[3] in ("mg", "mcg", "g")
            and toks[i + 5].text in _COUNT_WORDS
        ):
            # '15 mg (1.5 x 10 mg tablets)': how the dose is made; kept when it does not agree
            made = toks[i + 1].number * convert(toks[i + 3].number, nxt[3], "mg")
            given = (
                convert(out[-2].number, out[-1].text, "mg")
                if out[-1].text in ("mg", "mcg", "g")
                else None
            )
            if given is not None and abs(made - given) <= 1e-6 * max(given, 1.0):
                i = close + 1
                continue
        if (
            t.is_number
            and len(nxt) >= 3
            and nxt[0] in ("mg", "mcg", "g")
            and nxt[1] == "/"
            and (nxt[2] == "ml" or (toks[i + 3].is_number and len(nxt) >= 4 and nxt[3] == "ml"))
            and concentration is None
        ):
            # '5 mg/5 mL', '1 mg/mL': the liquid's concentration, not a dose
            volume = 1.0 if nxt[2] == "ml" else toks[i + 3].number
            if volume > 0:
                concentration = convert(t.number, nxt[0], "mg") / volume
                i += 4 if nxt[2] == "ml" else 5
                continue
        if t.text == "oral" and nxt and nxt[0] in _ORAL_FORM_WORDS:
            i += 1  # 'oral solution': the form says the route
            continue
        if t.text in _ORAL_FORM_WORDS and (out or concentration is not None):
            i += 1
            continue
        if (
            t.text in _HOLD_WORDS
            and out
            and not any(_FREQUENCY_LIKE.match(x.text) for x in toks[i + 1 :])
        ):
            break  # 'hold for sedation', 'hold if RR < 12': when a dose is skipped
        if t.text in (",", ";", ".", ":") or t.text in _FILLER_WORDS:
            i += 1
            continue
        out.append(t)
        i += 1
    return out, total, unsaid, concentration


def _made_unit(match: MedicationMatch, value: float) -> str | None:
    """The unit of a single-ingredient product's strength `value` when the product index has
    that strength ('Soma 350' is carisoprodol 350 mg, 'Robaxin 750' methocarbamol 750 mg), or
    None: a bare number after a brand is a strength only when the brand is made in it."""
    made = [v[0] for v in match.variants if len(v) == 1]
    if not made and len(match.ingredients) == 1:
        made = [match.ingredients[0]]
    units = {m.unit for m in made if m.strength == value and m.unit in _DOSE_UNITS}
    return units.pop() if len(units) == 1 else None


class _Parser:
    def __init__(self, text: str, terminology: Terminology, field: str) -> None:
        self.text = text
        self.toks, self.stated_total_mg, self.unsaid, self.mg_per_ml = _plain_tokens(
            text, _tokens(text)
        )
        self.i = 0
        self.term = terminology
        self.field = field
        self.parsed = _Parsed(text=text)
        self.strict = True
        self.unknown_part: UnknownDrugError | None = None  # a typed combination's unknown name

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
        if self.unsaid is not None and pos >= self.unsaid[0]:
            # The reading stopped at (or after) a number said twice, two ways: that is the
            # problem; a failure before that number is reported as itself.
            _number, words, said = self.unsaid
            return SigParseError(self.text, words, said, field=self.field)
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
    def parse(self) -> _Parsed:
        if not self.toks:
            raise self.fail("empty dose text")
        if self.word() == "-" and self.number_at(1) is not None:
            raise self.fail("a dose cannot be negative, and no drug is named before it")
        tablets = self.count()
        match, from_names, drug_end = self.medication()
        self.parsed.match = match
        self.parsed.drug_end = drug_end
        self.parenthesized_name(match)
        if self.word() in _BRAND_RELEASE and self.number_at(1) is not None:
            self.i += 1  # 'Wellbutrin XL 300 mg', 'Cardizem CD 180 mg': the text keeps it
        if self.word() in _ROUTES and self.number_at(1) is not None:
            self.parsed.route = self.route()  # 'Lioresal intrathecal 200 mcg/day'
        values, unit = self.strengths(match)
        parts = [(match, values, unit)]
        # 'oxycodone 5 mg / acetaminophen 325 mg': each ingredient with its own strength.
        while (
            values
            and self.word() in ("/", "+", "and", "with", "&")
            and self.peek(1) is not None
            and not self.peek(1).is_number  # type: ignore[union-attr]
            and self.word(1) not in _STOP
        ):
            self.i += 1
            more, _names, drug_end = self.medication()
            more_values, more_unit = self.strengths(more)
            parts.append((more, more_values, more_unit))
        if len(parts) > 1:
            match = self.joined(parts)
            self.parsed.match = match
        else:
            self.assign(match, values, unit, from_names)
        if tablets is None:
            tablets = self.count()
        self.parsed.tablets = tablets
        while self.peek() is not None:
            w = self.word()
            skin = next(
                (p for p in _SKIN_PHRASES if tuple(self.word(k) for k in range(len(p))) == p),
                None,
            )
            if skin is not None:
                self.i += len(skin)
                patch = self.parsed.route == "transdermal" or any(
                    t.text in _PATCH_WORDS for t in self.toks
                )
                self.parsed.route = "transdermal" if patch else "topical"
            elif w in _ROUTES or (w == "by" and self.word(1) == "mouth"):
                given = self.parsed.route
                self.parsed.route = self.route()
                if given is not None and given != self.parsed.route:
                    # 'tablet ... by mouth' says one route twice; two routes are two orders
                    raise self.fail(f"two routes given ({given}, {self.parsed.route})")
            elif w == "prn" or (w == "as" and self.word(1) == "needed"):
                self.i += 1 if w == "prn" else 2
                self.parsed.prn = True
                if self.word() == "for" and self.indication_at(1):
                    self.i += 1
                    self.reason()  # 'as needed for muscle spasms'
                elif self.word().isalpha() and self.word() not in _REASON_STOP:
                    self.reason()  # 'prn spasm', 'PRN severe pain'
            elif w in ("with", "after", "before", "at") and self.word(1) in _MEAL_WORDS:
                self.i += 2  # 'with meals': when, not how much or how often
            elif w in ("ac", "pc") and self.parsed.frequency is not None:
                self.i += 1  # 'tid ac': before (or after) meals, said in Latin
            elif (opening := self.cap_phrase()) and (
                self.parsed.frequency is not None or w != "up"
            ):
                self.cap(opening)
            elif w == "per" and self.word(1) in _COUNT_WORDS and any(self.parsed.doses):
                self.i += 2  # '5-325 MG per tablet': the strength's unit said again
            elif w in _RELEASE_WORDS and any(self.parsed.doses):
                self.i += 1  # '5 MG immediate release tablet': the order's text keeps it
            elif (
                self.number_at() is not None
                and self.parsed.tablets is None
                and any(self.parsed.doses)
                and (self.word(1) in _ROUTES or (self.word(1) == "by" and self.word(2) == "mouth"))
            ):
                # '10 mg 1 po tid': the count before the route, the form unsaid
                self.parsed.tablets = self.tablet_count(self.number_at() or 0.0)
                self.i += 1
            elif w == "for" and self.indication_at(1):
                self.i += 1
                self.reason()  # 'tid for spasticity': what it is for, not how long
            elif w == "for" or (
                w == "x"
                and self.number_at(1) is not None
                and (
                    self.word(2) in _DURATION_UNITS
                    or (self.word(2) in ("-", "to") and self.word(4) in _DURATION_UNITS)
                )
            ):
                if self.parsed.duration is not None:
                    raise self.fail("duration given twice")
                self.parsed.duration = self.duration()
            elif (
                self.parsed.frequency is not None
                and self.parsed.duration is None
                and self.number_at() is not None
                and self.word(1) in ("day", "days", "week", "weeks", "month", "months")
            ):
                # '... TID, 30 day(s)': a duration written after the frequency without 'for'
                self.parsed.duration = self.duration(keyword=False)
            elif w in _COUNT_WORDS and any(self.parsed.doses):
                # '25 mg capsule bid': the form of a dose already given; tablets and capsules
                # are taken by mouth, a patch is worn on the skin.
                self.i += 1
                if self.parsed.route is None:
                    self.parsed.route = _FORM_ROUTE[w]
                n = self.number_at()
                after = self.word(1)
                if (
                    n is not None
                    and self.parsed.tablets is None
                    and (after in _ROUTES or after == "by" or after in _CODES)
                ):
                    # '800 mg tab 1 po tid': the count after the form, before route or frequency
                    self.parsed.tablets = self.tablet_count(n)
                    self.i += 1
                elif n is not None and self.parsed.tablets is None and after in _MASS_UNITS:
                    # 'baclofen 10 MG tablet Take 20 mg by mouth 4 times daily' (an EHR's
                    # list): the tablet's strength, then the dose of each time
                    self.parsed.tablets = self.restated_dose(n, after)
                    self.i += 2
            elif w in _COUNT_WORDS or (
                self.number_at() is not None
                and (
                    self.word(1) in _COUNT_WORDS
                    or (self.word(1) in ("-", "to", "/") and self.word(3) in _COUNT_WORDS)
                    or (  # '1/2 to 1 tablet'
                        self.word(1) == "/"
                        and self.word(3) in ("-", "to")
                        and self.word(5) in _COUNT_WORDS
                    )
                )
            ):
                if self.parsed.tablets is not None:
                    raise self.fail("tablet count given twice")
                self.parsed.tablets = self.count() if self.number_at() is not None else None
                if self.parsed.tablets is None:
                    raise self.fail("a tablet count needs a number (e.g. 1 tab)")
            elif w == "may" and self.word(1) == "repeat" and self.parsed.frequency is not None:
                self.repeats(self.parsed.frequency)
            elif w in _STEP_WORDS:
                # 'then 25 mg tid', 'increase by 5 mg every 3 days': a dose that changes is
                # not read as its first step alone (a later, higher step would go unchecked)
                raise self.fail(CHANGES_OVER_TIME)
            elif self.parsed.frequency is None:
                self.parsed.frequency = self.frequency()
            elif w == "(":
                self.restated_frequency(self.parsed.frequency)
            elif w.startswith("@"):
                self.parsed.frequency = self.clock_times(self.parsed.frequency)
            else:
                raise self.fail("unexpected text after the frequency")
        if self.unknown_part is not None and self.strict:
            # An order is checked whole or not at all: a component not known here is refused.
            raise self.unknown_part
        if self.parsed.problems and self.strict:
            raise SigParseError(self.text, drug_end, self.parsed.problems[0], field=self.field)
        doses = [d for d in self.parsed.doses if d is not None]
        if self.parsed.frequency is None and doses and all(d.is_mass_rate for d in doses):
            self.parsed.frequency = Frequency(
                code="continuous", doses_per_day=1, interval_h=None, times=()
            )
        if self.parsed.frequency is None:
            raise SigParseError(
                self.text,
                len(self.text),
                "no frequency (e.g. tid, q8h, twice daily, once)",
                field=self.field,
            )
        if self.mg_per_ml is not None:
            self.volume_to_mass()
            doses = [d for d in self.parsed.doses if d is not None]
        self.check_stated_total(doses)
        if self.parsed.tablets is not None and not doses:
            match = self.parsed.match
            variants = list(match.variants) if match is not None else []
            if match is not None and len(variants) > 1:
                # A brand of several strengths ('Norgesic'): which tablet is meant is unsaid.
                first = "/".join(
                    f"{m.strength:g}" for m in _in_order(variants[0], match.ingredients)
                )
                raise SigParseError(
                    self.text,
                    drug_end,
                    f"{match.matched} is made in {len(variants)} strengths, "
                    f"{_strengths_made(variants, match.ingredients)}: write the one meant "
                    f"(e.g. '{match.matched} {first} 1 tab')",
                    field=self.field,
                )
            if match is not None and (match.product or "").startswith("{"):
                # An RxNorm pack ('{20 (nirmatrelvir ...) / 10 (ritonavir ...)} Pack'): its
                # tablets differ, so a tablet count is no dose of any one ingredient.
                raise SigParseError(
                    self.text,
                    drug_end,
                    f"{match.matched} is a pack of different tablets: a tablet count is not a "
                    "dose of each ingredient (write each drug with its dose)",
                    field=self.field,
                )
            raise SigParseError(
                self.text,
                drug_end,
                "a tablet count needs the tablet strength (e.g. '1 tab baclofen 20 mg')",
                field=self.field,
            )
        return self.parsed

    def volume_to_mass(self) -> None:
        """A dose in mL of a liquid whose concentration the line gives ('5 mg/5 mL oral
        solution, 10 mL tid') is that many mg; a dose in mg stays as given."""
        assert self.mg_per_ml is not None
        converted: list[Dose | None] = []
        for d in self.parsed.doses:
            if d is not None and has_dimension(d.unit, "mL") and not d.is_mass_rate:
                d = Dose(value=convert(d.value, d.unit, "mL") * self.mg_per_ml, unit="mg")
            converted.append(d)
        self.parsed.doses = converted

    def parenthesized_name(self, match: MedicationMatch) -> None:
        """'fentaNYL (DURAGESIC) 25 mcg/hr': a brand or generic name in parentheses after the
        drug, as EHRs print it, is passed over when it names the same ingredients; a different
        or unknown drug there is refused, never ignored."""
        if self.word() != "(":
            return
        close = next(
            (k for k in range(self.i + 1, len(self.toks)) if self.toks[k].text == ")"), None
        )
        inner = self.toks[self.i + 1 : close] if close is not None else []
        if not inner or any(t.is_number for t in inner):
            return
        span = self.text[inner[0].pos : inner[-1].end]
        try:
            other = self.term.resolve_medication(span, field=self.field)
        except InputError:
            raise self.fail(f"{span!r} in parentheses is not a drug known here") from None
        mine = {m.ingredient.id for m in match.ingredients}
        if {m.ingredient.id for m in other.ingredients} != mine:
            raise self.fail(
                f"{span!r} in parentheses is "
                + join_and([m.ingredient.name for m in other.ingredients])
                + f", not {match.matched}: write one drug per line"
            )
        assert close is not None
        self.i = close + 1

    def closing(self, start: int) -> int | None:
        """The index of the first ')' from token `start`, if any."""
        return next((k for k in range(start, len(self.toks)) if self.toks[k].text == ")"), None)

    def bracketed_indication(self, start: int) -> bool:
        """Pass over a bracket after the frequency that names only what the drug is for
        ('(muscle spasms)', '(for spasticity)'): reason words only (`_reason_word`), so
        '(and at bedtime)', '(then 2 tabs)', '(twice if needed)' stay refused."""
        close = self.closing(start)
        words = [t.text for t in self.toks[start + 1 : close]] if close is not None else []
        if words[:1] == ["for"]:
            words = words[1:]
        if not words or not all(_reason_word(w) for w in words):
            return False
        assert close is not None
        self.i = close + 1
        return True

    def cap_phrase(self) -> int:
        """The number of words of a cap's opening ('max', 'not to exceed', 'max daily dose')
        here, when a number follows it; else 0."""
        for phrase in _CAP_PHRASES:
            k = len(phrase)
            if tuple(self.word(j) for j in range(k)) == phrase and self.number_at(k) is not None:
                return k
        return 0

    def cap(self, opening: int) -> None:
        """'max 3 doses/day', 'not to exceed 6 tabs in 24 hours', 'max daily dose 12 mg': the
        order's own cap on a day's doses, which the dose checks then use. A cap not said per day
        ('max 3 doses') is passed over and the full frequency is checked."""
        daily = "daily" in {self.word(j) for j in range(opening)}
        n = self.number_at(opening)
        assert n is not None
        self.i += opening + 1
        start = self.i
        while self.word() in _CAP_WORDS or _is_dose_unit(self.word()):
            self.i += 1
        words = [t.text for t in self.toks[start : self.i]]
        joined = " ".join(words)
        per_day = daily or _CAP_PER_DAY.search(joined) is not None
        if n <= 0 or not per_day:
            return
        unit = words[0] if words else ""
        if _is_dose_unit(unit):
            self.parsed.cap_mg = convert(n, unit, "mg") if unit in ("mg", "mcg", "g") else None
        elif unit in _TABLET_WORDS:
            self.parsed.cap_tablets = n
        elif unit in ("doses", "dose", "times", "x") or unit == "/":
            self.parsed.cap_doses = n

    def restated_frequency(self, given: Frequency) -> None:
        """'QID (at bedtime and three times daily)', 'q8h (every 8 hours)': the frequency said
        again in brackets is passed over when it gives as many doses a day; another number is
        refused, and a bracket that is not a frequency is text the grammar does not read."""
        start = self.i
        close = self.closing(start)
        self.i += 1
        try:
            per_day = self.frequency().doses_per_day
            while self.word() in ("and", "plus", "+") and self.i < (close or 0):
                self.i += 1
                per_day += self.frequency().doses_per_day
        except SigParseError:
            close = None
        if (close is None or self.i != close) and self.bracketed_indication(start):
            return  # 'tid prn (muscle spasms)', 'q8h (for spasticity)'
        if (close is None or self.i != close) and self.bracketed_duration(start):
            return  # 'qid (for two weeks)', 'tid (x 7 days)'
        if (close is None or self.i != close) and self.bracketed_times(start, given):
            return  # 'BID (8am, 8pm)', 'tid (0800, 1400, 2000)'
        if close is None or self.i != close:
            self.i = start
            raise self.fail("unexpected text after the frequency")
        if abs(per_day - given.doses_per_day) > 1e-9:
            self.i = start
            raise self.fail(
                f"the frequency {given.code} ({given.doses_per_day:g} a day) is restated in "
                f"brackets as {per_day:g} a day; write it once"
            )
        self.i = close + 1

    def repeats(self, given: Frequency) -> None:
        """'qhs, may repeat x1', 'may repeat once in 1 hour': the repeats are more doses a day,
        counted in full (the most the order allows); a repeat without a count is refused."""
        self.i += 2
        self.repeat_delay()
        if self.accept("once"):
            more = 1.0
        elif self.accept("twice"):
            more = 2.0
        elif (self.word() == "x" and (n := self.number_at(1)) is not None) or (
            (n := self.number_at()) is not None and self.word(1) in ("time", "times")
        ):
            more, self.i = n, self.i + 2  # 'x1', '2 times'
        else:
            raise self.fail("'may repeat' needs how many times (e.g. 'may repeat x1')")
        self.repeat_delay()
        total = given.doses_per_day + more
        if given.single or not float(more).is_integer() or more <= 0 or total > 24:
            raise self.fail("'may repeat' must add a whole number of doses to a daily frequency")
        self.parsed.frequency = Frequency(
            code=f"{int(total)}x/day",
            doses_per_day=total,
            interval_h=None,
            times=times_for(f"{int(total)}x/day", total, None),
        )

    def repeat_delay(self) -> None:
        """'in 1 hour', 'after 30 minutes' around a repeat: when it may be taken, which says
        nothing of how many; anything else after 'in' is refused."""
        if self.word() in ("in", "after") and self.number_at(1) is not None:
            if self.word(2) not in _DURATION_UNITS | {"min", "mins", "minute", "minutes"}:
                raise self.fail("expected a time after 'may repeat in'")
            self.i += 3

    def clock_times(self, given: Frequency) -> Frequency:
        """'tid at 8am, 2pm and 8pm': the clock times of the frequency's doses, as many as it
        gives a day; another number of times is refused."""
        times = tuple(sorted(self.word()[1:].split("@")))
        if given.single or abs(len(times) - given.doses_per_day) > 1e-9:
            raise self.fail(
                f"{len(times)} clock times for {given.code} ({given.doses_per_day:g} a day)"
            )
        self.i += 1
        return given.model_copy(update={"times": times})

    def bracketed_times(self, start: int, given: Frequency) -> bool:
        """'(8am, 8pm)', '(0800, 1400, 2000)', '(9:00, 21:00)' after the frequency: the clock times
        of its doses, passed over when there are as many as the frequency gives a day; another
        number is refused."""
        close = self.closing(start)
        inner = self.toks[start + 1 : close] if close is not None else []
        hours = 0
        k = 0
        while k < len(inner):
            t = inner[k]
            if not t.is_number:
                return False
            hours += 1
            k += 1
            if k + 1 < len(inner) and inner[k].text == ":" and inner[k + 1].is_number:
                k += 2  # '9:00'
            if k < len(inner) and inner[k].text in ("am", "pm"):
                k += 1
            if k < len(inner) and inner[k].text in (",", "and", "&", "/"):
                k += 1
        if not hours or close is None:
            return False
        if given.single or abs(hours - given.doses_per_day) > 1e-9:
            self.i = start
            raise self.fail(
                f"{hours} clock times in brackets for {given.code} ({given.doses_per_day:g} a "
                "day); write them once"
            )
        self.i = close + 1
        return True

    def bracketed_duration(self, start: int) -> bool:
        """'(for two weeks)', '(x 7 days)' after the frequency: the order's duration, read as
        one written outside brackets (a second duration is refused where it is read)."""
        self.i = start + 1
        if self.word() not in ("for", "x") or self.parsed.duration is not None:
            self.i = start
            return False
        try:
            days = self.duration()
        except SigParseError:
            self.i = start
            return False
        if self.word() != ")":
            self.i = start
            return False
        self.parsed.duration = days
        self.i += 1
        return True

    def indication_at(self, k: int) -> bool:
        """Whether the words from k on name what the drug is for ('for spasticity', 'for
        muscle spasm'): reason words not followed by a number or a unit of time (so 'for
        fourteen days', 'for a month' or 'for up to 2 weeks' stays a duration, read or refused,
        never passed over)."""
        n = 0
        while _reason_word(self.word(k + n)):
            n += 1
        # 'for up to 2 weeks', 'for two weeks': a duration, not an indication
        following = self.word(k + n)
        return n > 0 and self.number_at(k + n) is None and following not in _DURATION_UNITS

    def reason(self) -> None:
        """'as needed for muscle spasms': the words of the reason, up to a word of the grammar
        or the opening of a cap ('prn spasm not to exceed 3 doses a day')."""
        while self.peek() is not None and _reason_word(self.word()) and not self.cap_phrase():
            self.i += 1
            if self.word() == "/" and _reason_word(self.word(1)):
                self.i += 1  # 'prn insomnia/spasm'

    def check_stated_total(self, doses: list[Dose]) -> None:
        """An EHR's '(10 mg total)' must be what the line gives per dose; a mismatch is refused."""
        if self.stated_total_mg is None or len(doses) != 1 or doses[0].mg() is None:
            return
        given = (doses[0].mg() or 0.0) * (self.parsed.tablets or 1.0)
        if abs(given - self.stated_total_mg) > 1e-6 * max(given, 1.0):
            raise SigParseError(
                self.text,
                len(self.text),
                f"the line says {self.stated_total_mg:g} mg total per dose but gives {given:g} mg",
                field=self.field,
            )

    def count(self) -> float | None:
        n = self.number_at()
        if (
            n is not None
            and self.word(1) == "/"
            and (d := self.number_at(2))
            and self.word(3) in _COUNT_WORDS
        ):
            if n <= 0 or n >= d:
                raise self.fail("a fraction of a tablet must be between 0 and 1 (e.g. 1/2 tab)")
            self.i += 4  # '1/2 tab': half a tablet
            return n / d
        if (
            n is not None
            and self.word(1) == "/"
            and (d := self.number_at(2))
            and self.word(3) in ("-", "to")
            and (top := self.number_at(4)) is not None
            and self.word(5) in _COUNT_WORDS
        ):
            # '1/2-1 tab': half a tablet to one; the most the order allows is checked
            if n <= 0 or n >= d or top <= n / d:
                raise self.fail("a range of tablets must go from the fewer to the more")
            self.tablet_count(top)
            self.i += 6
            return top
        upto = self.number_at(2) if self.word(1) in ("-", "to") else None
        if n is not None and upto is not None and upto > n and self.word(3) in _COUNT_WORDS:
            self.tablet_count(upto)
            self.i += 4  # '1-2 tabs': the most the order allows is checked
            return upto
        if n is not None and self.word(1) in _COUNT_WORDS:
            self.tablet_count(n)
            self.i += 2
            return n
        return None

    def restated_dose(self, n: float, unit: str) -> float:
        """The tablets a dose of `n` `unit` is, after the tablet's strength was given: a whole,
        half or quarter number of tablets, else the error that says it (at the number)."""
        given = [d for d in self.parsed.doses if d is not None]
        strength = given[0].mg() if len(given) == 1 else None
        if strength is None or strength <= 0:
            raise self.fail(f"a dose of {n:g} {unit} after a combination's strengths is unclear")
        tablets = convert(n, unit, "mg") / strength
        if abs(tablets * 4 - round(tablets * 4)) > 1e-6 or tablets <= 0:
            raise self.fail(
                f"{n:g} {unit} is not a whole, half or quarter number of the "
                f"{given[0].value:g} {given[0].unit} tablets"
            )
        return self.tablet_count(round(tablets * 4) / 4)

    def tablet_count(self, n: float) -> float:
        """`n` as the tablets of a dose, or the error that names the bound (at the number)."""
        if not 0 < n <= MAX_TABLETS:
            raise self.fail(f"the tablet count must be more than 0 and at most {MAX_TABLETS}")
        return n

    # -- the drug ----------------------------------------------------------------------------
    def medication(self) -> tuple[MedicationMatch, bool, int]:
        """The product or ingredients named at this point: (match, typed as a list of names,
        end of the name in the text)."""
        start = self.i
        if start < len(self.toks) and _RXNORM_STYLE.search(self.text):
            found = self.rxnorm_name(start)
            if found is not None:
                return found[0], False, found[1]
        first, end = self.part()
        matches = [first]
        while (
            self.word() in _JOINERS
            and self.peek(1) is not None
            and not self.peek(1).is_number  # type: ignore[union-attr]
            and self.word(1) not in _STOP
        ):
            self.i += 1
            nxt, end = self.part()
            matches.append(nxt)
        if not any(m.ingredients for m in matches):
            self.i = start
            self.name()  # raises with the first name's own explanation
        if len(matches) == 1:
            return first, _typed_in_order(first), end
        ingredients: list[MatchedIngredient] = []
        for m in matches:
            for ing in m.ingredients:
                if all(x.ingredient.id != ing.ingredient.id for x in ingredients):
                    ingredients.append(ing)
        span = self.text[self.toks[start].pos : end]
        combined = MedicationMatch(
            query=span,
            how=first.how,
            matched=" / ".join(m.matched for m in matches),
            ingredients=tuple(ingredients),
            unresolved=tuple(u for m in matches for u in m.unresolved),
        )
        return combined, all(_typed_in_order(m) for m in matches), end

    def part(self) -> tuple[MedicationMatch, int]:
        """One name of a typed combination ('nirmatrelvir/ritonavir'): an unknown one is kept
        as unresolved (the known ones are still checked, the unknown one said), never dropped."""
        at = self.i
        try:
            return self.name()
        except UnknownDrugError as exc:
            j = at
            while (
                j < len(self.toks)
                and not self.toks[j].is_number
                and self.toks[j].text not in _STOP
                and not (j > at and self.toks[j].text in _JOINERS)
            ):
                j += 1
            joined_after = 0 < j < len(self.toks) and self.toks[j].text in _JOINERS
            joined_before = at > 0 and self.toks[at - 1].text in _JOINERS
            if j == at or not (joined_after or joined_before):
                raise
            self.i = j
            self.unknown_part = self.unknown_part or exc
            hint = f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""
            span = self.text[self.toks[at].pos : self.toks[j - 1].end]
            return MedicationMatch(
                query=span, how="name", matched=span, ingredients=(), unresolved=(span + hint,)
            ), self.toks[j - 1].end

    def rxnorm_name(self, start: int) -> tuple[MedicationMatch, int] | None:
        """The longest RxNorm-style product name from `start` ('... Oral Tablet [Percocet]')."""
        for k in range(len(self.toks), start, -1):
            last = self.toks[k - 1]
            if not (
                last.text == "]" or last.text in FORM_WORDS or last.text in ("mg", "mcg", "ml")
            ):
                continue
            span = self.text[self.toks[start].pos : last.end]
            if parse_rxnorm_name(span) is None:
                continue
            try:
                match = self.term.resolve_medication(span, field=self.field)
            except UnknownDrugError:
                continue
            if match.how != "product" or not match.ingredients:
                continue
            self.i = k
            self.parsed.from_product_name = True
            return match, last.end
        return None

    def code(self) -> tuple[MedicationMatch, int] | None:
        """A drug written as a code: an NDC ('80425-0022-1', or 10-11 digits) or an RxCUI."""
        tok = self.peek()
        if tok is None or not tok.text.isdigit():
            return None
        m = _NDC.match(self.text, tok.pos)
        if m:
            match = self.term.resolve_ndc(m.group(0), field=self.field)
            while self.peek() is not None and self.peek().pos < m.end():  # type: ignore[union-attr]
                self.i += 1
            return match, m.end()
        try:
            match = self.term.resolve_code(tok.text, field=self.field)
        except UnknownDrugError:
            if len(tok.text) in (10, 11):
                match = self.term.resolve_ndc(tok.text, field=self.field)
            else:
                raise
        self.i += 1
        return match, tok.end

    def name(self) -> tuple[MedicationMatch, int]:
        coded = self.code()
        if coded is not None:
            return coded
        start = self.i
        j = start
        while (
            j < len(self.toks)
            and not self.toks[j].is_number
            and self.toks[j].text not in _STOP
            and not (j > start and self.toks[j].text in ("/", "+", "&"))
        ):
            j += 1
        if j == start and self.word() == "oral" and self.word(1) not in _STOP:
            # A name that begins with a route word ('oral contraceptive daily'): the longest
            # span that resolves, else the grammar's own error below.
            k = start + 1
            while (
                k < len(self.toks) and not self.toks[k].is_number and self.toks[k].text not in _STOP
            ):
                k += 1
            found = self.longest_resolving(start, k)
            if found is not None:
                return found
        if j == start:
            raise self.fail("expected a drug name")
        branded = self.numbered_brand(start, j)
        if branded is not None:
            return branded
        found = self.longest_resolving(start, j)
        if found is not None:
            return found
        span = self.text[self.toks[start].pos : self.toks[j - 1].end]
        if span.isdigit():
            self.term.resolve_code(span, field=self.field)  # raises with its own explanation
        raise UnknownDrugError(span, self.term.suggest(span, products=True), field=self.field)

    def longest_resolving(self, start: int, j: int) -> tuple[MedicationMatch, int] | None:
        """The longest name from `start` (up to token `j`), ending in a word, that resolves."""
        for k in range(j, start, -1):
            if not self.toks[k - 1].text[-1].isalnum():
                continue
            span = self.text[self.toks[start].pos : self.toks[k - 1].end]
            try:
                match = self.term.resolve_medication(span, field=self.field)
            except UnknownDrugError:
                continue
            self.i = k
            return match, self.toks[k - 1].end
        return None

    def numbered_brand(self, start: int, j: int) -> tuple[MedicationMatch, int] | None:
        """A brand whose name goes on with numbers ('Loestrin 1/20', from RxNorm's 'Loestrin
        1/20 21 Day'): the longest span from `start` past the name's words that is a brand of
        the product index as written, so strengths after a brand ('Percocet 5/325') stay
        strengths."""
        numbered = (  # 'Tylenol #3': RxNorm's 'Tylenol with Codeine #3'
            j + 1 < len(self.toks) and self.toks[j].text == "#" and self.toks[j + 1].is_number
        )
        if j >= len(self.toks) or not (self.toks[j].is_number or numbered):
            return None
        k = j
        while k < len(self.toks) and k - j < 6:
            tok = self.toks[k]
            if not (
                tok.is_number
                or tok.text in ("/", "-", ".")
                or (tok.text == "#" and k == j)
                or (tok.text.isalpha() and tok.text not in _STOP | _COUNT_WORDS)
            ):
                break
            k += 1
        for end in range(k, j, -1):
            last = self.toks[end - 1]
            if not last.text[-1].isalnum():
                continue
            span = self.text[self.toks[start].pos : last.end]
            if not self.term.products.by_brand(span):
                continue
            try:
                match = self.term.resolve_medication(span, field=self.field)
            except UnknownDrugError:
                continue
            if match.how != "brand":
                continue
            self.i = end
            return match, last.end
        return None

    # -- strengths -----------------------------------------------------------------------------
    def name_strength(self, match: MedicationMatch) -> tuple[list[float], str] | None:
        """A strength joined to the name by a hyphen ('Robaxin-750'): the product's strength of
        that number, with its unit, when the product index has it (else the strength is said
        not to be understood); None when the hyphen stands apart (a negative dose)."""
        if self.i == 0:
            return None
        name, dash, num = self.toks[self.i - 1], self.toks[self.i], self.toks[self.i + 1]
        if not (name.end == dash.pos and dash.end == num.pos and name.text[-1].isalpha()):
            return None
        value = num.number
        singles = [v for v in match.variants if len(v) == 1]
        made = [v[0] for v in singles if v[0].strength == value and v[0].unit in _DOSE_UNITS]
        if not made or made[0].unit is None:
            known = _strengths_made(singles, match.ingredients) if singles else "none known"
            raise self.fail(
                f"the strength {num.text} in '{self.text[name.pos : num.end]}' is not "
                f"understood (the product index has {known}); write the dose with its unit "
                f"(mg, mcg, g) after a space"
            )
        self.i += 2
        unit = made[0].unit
        if self.word() in (unit.lower(), f"{unit.lower()}s"):  # 'Robaxin-750 mg'
            self.i += 1
        return [value], unit

    def strengths(self, match: MedicationMatch) -> tuple[list[float], str | None]:
        """The strength numbers at this point (one, or one per ingredient joined by / or -), and
        their unit ('5/325 mg', '5 mg/325 mg'; a combination may leave the unit out)."""
        if self.word() == "-" and self.number_at(1) is not None:
            suffix = self.name_strength(match)
            if suffix is not None:
                return suffix
            raise self.fail("a dose cannot be negative")
        first = self.peek()
        if self.number_at() is None or first is None or not first.is_number:
            return [], None
        if self.word(1) in _COUNT_WORDS:
            return [], None  # '... [Percocet] 1 tab': a tablet count, not a strength
        upto = self.number_at(2)
        if (
            self.word(1) in ("-", "to")
            and upto is not None
            and first.number < upto <= MAX_TABLETS
            and self.word(3) in _COUNT_WORDS
        ):
            return [], None  # 'Norco 1-2 tabs': a range of tablets, not two strengths
        values = [first.number]
        self.i += 1
        unit: str | None = None
        self.parsed.dashed = True
        while True:
            nxt = self.peek(1)
            if self.word() in ("/", "-") and nxt is not None and nxt.is_number:
                self.parsed.dashed = self.parsed.dashed and self.word() == "-"
                self.i += 1
                values.append(nxt.number)
                self.i += 1
                continue
            tok = self.peek()
            if tok is None or not tok.text.isalpha():
                break
            if len(values) > 1 and (
                tok.text in _COUNT_WORDS or tok.text in _ROUTES or not _is_dose_unit(tok.text)
            ):
                break  # a combination's unit may be left out ('Percocet 5/325 1 tab')
            if len(values) == 1 and not _is_dose_unit(tok.text):
                made = _made_unit(match, values[0])
                if made is not None:  # 'Skelaxin 800 tid': a strength the brand is made in
                    unit = made
                    break
                singles = [v for v in match.variants if len(v) == 1]
                if match.how == "brand" and singles:
                    raise SigParseError(
                        self.text,
                        first.end,
                        f"a dose needs a unit (mg, mcg, g, mL), and {first.text} is not a "
                        f"strength {match.matched} is made in "
                        f"({_strengths_made(singles, match.ingredients)})",
                        field=self.field,
                    )
            written = self.unit(values)
            if unit is not None and written != unit:
                raise SigParseError(
                    self.text,
                    tok.pos,
                    "the strengths of a combination need one unit",
                    field=self.field,
                )
            unit = written
            after = self.peek(1)
            if not (self.word() == "/" and after is not None and after.is_number):
                break  # only '5 mg/325 mg' goes on after a unit
        if unit is None and len(values) == 1:
            unit = _made_unit(match, values[0])  # 'Soma 350 1 tab tid': the product's strength
            if unit is None:
                raise SigParseError(
                    self.text, first.end, "a dose needs a unit (mg, mcg, g, mL)", field=self.field
                )
        for v in values:
            if v <= 0:
                raise UnitError(
                    f"dose must be positive, got {v:g} {unit or ''}".strip(), field=self.field
                )
        return values, unit

    def unit(self, values: list[float]) -> str:
        unit_tok = self.peek()
        assert unit_tok is not None
        unit = _UNIT_WORDS.get(unit_tok.text, unit_tok.text)
        consumed = 1
        if self.word(1) == "/" and self.word(2) in ("day", "d", "kg", "ml"):
            unit = f"{unit}/{'day' if self.word(2) in ('day', 'd') else self.word(2)}"
            consumed = 3
        elif self.word(1) in ("/", "per") and self.word(2) in _HOUR_WORDS:
            unit, consumed = f"{unit}/h", 3  # a rate: a patch ('25 mcg/hr') or an infusion
        elif self.word(1) in ("/", "per") and self.word(2) == "24" and self.word(3) in _HOUR_WORDS:
            unit, consumed = f"{unit}/day", 4  # 'mg/24 hr' (a patch labelled per 24 hours)
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
                f"{values[-1]:g} {unit} is not a dose: give a mass (mg, mcg, g) or, for a liquid, mL",
                field=self.field,
            )
        self.i += consumed
        return unit

    def assign(
        self, match: MedicationMatch, values: list[float], unit: str | None, from_names: bool
    ) -> None:
        """One dose per ingredient: typed strengths matched to the product's, by position for
        names typed in order, or the product name's own strengths."""
        ings = list(match.ingredients)
        doses: list[Dose | None] = [None] * len(ings)
        problem: str | None = None
        if not values:
            for n, m in enumerate(ings):
                if m.strength is not None and m.unit is not None and m.unit in _DOSE_UNITS:
                    doses[n] = Dose(value=m.strength, unit=m.unit)
        elif len(ings) == 1:
            if unit is None:
                m = ings[0]
                variant_units = {v[0].unit for v in match.variants if len(v) == 1}
                if len(values) == 1 and variant_units == {"mg"}:
                    unit = "mg"
                else:
                    raise SigParseError(
                        self.text,
                        len(self.text),
                        "a dose needs a unit (mg, mcg, g, mL)",
                        field=self.field,
                    )
            if len(values) == 2 and self.parsed.dashed and values[0] < values[1]:
                # 'tizanidine 2-4 mg': a range; the most the order allows is checked, as for
                # an interval range ('q4-6h')
                doses[0] = Dose(value=values[1], unit=unit)
            elif len(values) != 1:
                problem = (
                    f"{len(values)} strengths given for one ingredient ({ings[0].ingredient.name})"
                )
            else:
                doses[0] = Dose(value=values[0], unit=unit)
        elif len(values) != len(ings):
            problem = (
                f"{len(values)} strength(s) for {len(ings)} ingredients "
                f"({', '.join(m.ingredient.name for m in ings)}); their doses were not read"
            )
        else:
            # Names typed in order ('carisoprodol/aspirin/codeine 200/325/16'): the strengths
            # are matched, by position, to the products of exactly these ingredients.
            known = product_variants(self.term, ings) if from_names else []
            found = (
                _positional(known, ings, values, unit)
                if from_names
                else self._variant(match, values, unit)
            )
            if found is not None:
                by_id = {m.ingredient.id: m for m in found}
                doses = [
                    Dose(value=by_id[m.ingredient.id].strength, unit=by_id[m.ingredient.id].unit)
                    if m.ingredient.id in by_id and by_id[m.ingredient.id].strength is not None
                    else None
                    for m in ings
                ]
            elif from_names and unit is not None:
                doses = [Dose(value=v, unit=unit) for v in values]
            else:
                shown = "/".join(f"{v:g}" for v in values)
                exist = known if from_names else list(match.variants)
                problem = (
                    f"strengths {shown}{' ' + unit if unit else ''} could not be matched to "
                    f"{' and '.join(m.ingredient.name for m in ings)}; their doses were not read"
                    + (
                        f" (the product index has {_strengths_made(exist, ings)})"
                        if exist
                        else " (no product of these ingredients is known)"
                        if from_names
                        else ""
                    )
                )
        self.parsed.doses = doses
        if problem:
            self.parsed.problems.append(problem)

    def joined(
        self, parts: list[tuple[MedicationMatch, list[float], str | None]]
    ) -> MedicationMatch:
        """One product from ingredients written each with its strength."""
        ingredients: list[MatchedIngredient] = []
        doses: list[Dose | None] = []
        for part, values, unit in parts:
            if len(part.ingredients) != 1 or len(values) > 1:
                raise self.fail("write each ingredient of a combination with one strength")
            ingredients.append(part.ingredients[0])
            doses.append(Dose(value=values[0], unit=unit) if values and unit else None)
        self.parsed.doses = doses
        first = parts[0][0]
        return MedicationMatch(
            query=self.text,
            how=first.how,
            matched=" / ".join(p.matched for p, _v, _u in parts),
            ingredients=tuple(ingredients),
        )

    @staticmethod
    def _variant(
        match: MedicationMatch, values: list[float], unit: str | None
    ) -> tuple[MatchedIngredient, ...] | None:
        """The strength variant of the product whose strengths are the typed ones (any order)."""
        candidates = list(match.variants)
        if not candidates and all(m.strength is not None for m in match.ingredients):
            candidates = [match.ingredients]
        hits = []
        for variant in candidates:
            if len(variant) != len(values) or any(m.unit is None for m in variant):
                continue
            try:
                mine = sorted(
                    convert(m.strength or 0.0, m.unit or "mg", unit or m.unit or "mg")
                    for m in variant
                )
            except InputError:
                continue
            if all(
                abs(a - b) <= 1e-9 * max(1.0, abs(b))
                for a, b in zip(mine, sorted(values), strict=True)
            ):
                hits.append(variant)
        return hits[0] if len(hits) == 1 else None

    def route(self) -> str:
        if self.word() == "by":
            self.i += 2
            return "oral"
        r = _ROUTES[self.word()]
        self.i += 1
        return r

    def duration(self, *, keyword: bool = True) -> float:
        if keyword:
            self.i += 1  # 'for' or 'x'
        if self.word() == "up" and self.word(1) == "to":
            self.i += 2  # 'for up to 2 weeks': the longest the order allows
        n = self.number_at()
        if n is None and self.word() in ("a", "an", "one") and self.word(1) in _DURATION_UNITS:
            n = 1.0  # 'for a month', 'for a week'
        if n is None and self.word(1) in _DURATION_UNITS:
            n = _spelled_number([self.word()])  # 'for fourteen days'
        for gap in (1, 2):  # 'for twenty one days', 'for twenty-one days'
            if n is None and self.word(gap + 1) in _DURATION_UNITS:
                n = _spelled_number([self.word(k) for k in range(gap + 1)])
                if n is not None:
                    self.i += gap
        if n is None:
            raise self.fail("expected a number of days or weeks")
        if n <= 0:
            raise self.fail("the duration must be positive")
        self.i += 1
        if self.word() in ("-", "to") and (upto := self.number_at(1)) is not None:
            if upto < n:
                raise self.fail("a range of durations must go from the shorter to the longer")
            n = upto  # 'for 2-3 weeks': the longest the order allows is checked
            self.i += 2
        unit = self.word()
        self.i += 1
        if unit in ("day", "days", "d"):
            return n
        if unit in ("week", "weeks", "wk", "wks", "w"):
            return n * 7
        if unit in ("month", "months"):
            return n * 30
        if unit in ("hour", "hours", "hr", "hrs", "h"):
            return n / 24  # 'x 48-72 hrs'
        self.i -= 1
        raise self.fail("expected days or weeks")

    def frequency(self) -> Frequency:
        if self.word() == "up" and self.word(1) == "to":
            self.i += 2  # 'up to 3 times a day': the most the order allows is checked
        w = self.word()
        base: tuple[str, float, float | None]  # code, doses per day, interval (h)
        if w == "weekly" or (w == "once" and self.word(1) == "weekly"):
            self.i += 1 if w == "weekly" else 2
            base = ("q168h", 1 / 7, 168.0)
        elif (
            w == "once"
            and self.word(1) in ("a", "per", "every", "each", "/")
            and self.word(2) in ("week", "wk")
        ):
            self.i += 3
            base = ("q168h", 1 / 7, 168.0)
        elif w == "once" and (
            self.word(1) in ("nightly", "bedtime", "hs", "qhs")
            or (self.word(1) == "at" and self.word(2) in ("bedtime", "night"))
        ):
            self.i += 3 if self.word(1) == "at" else 2  # 'once nightly', 'once at bedtime'
            base = ("qhs", 1, 24)
        elif w == "bolus" or (w in ("screening", "test") and self.word(1) in ("bolus", "dose")):
            # 'baclofen intrathecal 50 mcg bolus', '... screening bolus': one injection (the
            # intrathecal screening doses are single boluses, Gablofen 2.2)
            self.i += 1 if w == "bolus" else 2
            if self.word() == "once" or (self.word() == "x" and self.word(1) == "1"):
                self.i += 1 if self.word() == "once" else 2
            return Frequency(
                code="once", doses_per_day=1, interval_h=None, times=("08:00",), single=True
            )
        elif w in ("once", "single", "stat") or (w == "x" and self.word(1) == "1"):
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
            if self.word() in ("-", "to", "or") and self.word(1) in _CODES:
                # 'tid-qid': a range of codes; the most the order allows is checked
                other, other_per_day = _CODES[self.word(1)]
                self.i += 2
                if other_per_day > per_day:
                    code, per_day = other, other_per_day
            if code in ("qd", "qhs") and (
                (self.word() == "at" and self.word(1) in ("bedtime", "night"))
                or (self.word() == "before" and self.word(1) in ("bed", "bedtime", "sleep"))
            ):
                # 'daily at bedtime', 'nightly at bedtime': one dose, at bedtime
                self.i += 2
                code = "qhs"
            base = (code, per_day, 24 / per_day)
        elif w in ("twice", "thrice"):
            self.i += 1
            self.day_phrase(optional=False)
            base = ("bid", 2, 12) if w == "twice" else ("tid", 3, 8)
        elif w.startswith("@"):
            # clock times ('at 8am and 8pm'): as many doses a day, at those times
            times = tuple(sorted(w[1:].split("@")))
            if len(set(times)) != len(times):
                raise self.fail("a clock time is given twice")
            self.i += 1
            count = len(times)
            return Frequency(
                code=_REGULAR_CODES.get(count, f"{count}x/day"),
                doses_per_day=count,
                interval_h=None,
                times=times,
            )
        elif w == "before" and self.word(1) in ("bed", "bedtime", "sleep"):
            self.i += 2
            base = ("qhs", 1, 24)
        elif (
            w == "x"
            and self.number_at(1) is not None
            and (
                (self.word(2) == "/" and self.word(3) in ("day", "d"))
                or self.word(2) == "daily"
                or (self.word(2) in ("a", "per") and self.word(3) == "day")
            )
        ):
            # 'x3/day', 'x 3 daily': three times a day (a duration is 'x 3 days')
            base = self.times_a_day(self.number_at(1))
        elif w in ("every", "each") and self.word(1) in ("day", "morning"):
            self.i += 2
            base = ("qd", 1, 24)
        elif w == "at" and self.word(1) in ("noon", "midday"):
            self.i += 2  # 'at noon': once a day, at 12:00
            return Frequency(code="qd", doses_per_day=1, interval_h=24, times=("12:00",))
        elif (w in ("every", "each") and self.word(1) in ("night", "evening")) or (
            w == "at" and self.word(1) in ("bedtime", "night")
        ):
            self.i += 2
            base = ("qhs", 1, 24)
        elif w == "q" and self.word(1) in _Q_APART:
            code, per_day = _CODES[_Q_APART[self.word(1)]]
            self.i += 2
            base = (code, per_day, 24 / per_day)
        elif w == "in" and self.word(1) == "the" and self.word(2) in ("morning", "evening"):
            base = ("qd" if self.word(2) == "morning" else "qpm", 1, 24)
            self.i += 3  # 'in the morning', 'in the evening'
        elif w in ("q", "every"):
            self.i += 1
            base = self.interval()

        elif self.number_at() is not None and (
            self.word(1) in ("times", "x")
            or (
                self.word(1) in ("-", "to")
                and self.number_at(2) is not None
                and self.word(3) in ("times", "x")
            )
        ):
            n = self.number_at()
            if self.word(1) in ("-", "to"):
                self.i += 2  # '3-4 times daily': the most the order allows is checked
                n = max(n or 0.0, self.number_at() or 0.0)
            base = self.times_a_day(n)
        else:
            raise self.fail("expected a frequency (e.g. tid, q8h, twice daily, once)")
        code, per_day, base_interval = base
        interval: float | None = base_interval
        # '+hs' / 'and at bedtime'
        if self.word() in ("+", "&", "and", "plus") and self.word(1) in (
            "hs",
            "qhs",
            "at",
            "bedtime",
        ):
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
        every = re.fullmatch(r"q(\d+(?:\.\d+)?)h", code)
        times = times_for(code, per_day, interval if every else None)
        return Frequency(code=code, doses_per_day=per_day, interval_h=interval, times=times)

    def times_a_day(self, n: float | None) -> tuple[str, float, float]:
        """'3 times a day', 'x3/day': the two words of the count read past, then the day
        phrase; (code, doses a day, interval)."""
        assert n is not None
        if n <= 0 or n > 24 or n != int(n):
            raise self.fail("the number of doses a day must be a whole number from 1 to 24")
        self.i += 2
        self.day_phrase(optional=False)
        return (_REGULAR_CODES.get(int(n), f"{int(n)}x/day"), n, 24 / n)

    def day_phrase(self, *, optional: bool) -> None:
        if self.accept("daily"):
            return
        if self.word() in ("a", "per", "each", "every") and self.word(1) == "day":
            self.i += 2
            return
        if self.word() == "/" and self.word(1) in ("day", "d"):
            self.i += 2
            return
        if self.word() == "day" and self.word(-1) == "x":
            self.i += 1  # '3 x day'
            return
        if not optional:
            raise self.fail("expected 'a day' or 'daily'")

    def interval(self) -> tuple[str, float, float]:
        ordinal = _ORDINAL_DAYS.get(self.word())
        if ordinal is not None and self.word(1) in ("day", "days"):
            self.i += 2  # 'every other day', 'every third day'
            return (f"q{24 * ordinal:g}h", 1 / ordinal, 24.0 * ordinal)
        if self.word() in ("week", "wk"):
            self.i += 1  # 'every week'
            return ("q168h", 1 / 7, 168.0)
        n = self.number_at()
        if n is None:
            raise self.fail("expected hours after q/every (e.g. q8h)")
        self.i += 1
        if self.word() in ("-", "to") and self.number_at(1) is not None:
            self.i += 2  # a range: the shorter interval is the most the order allows
        # Intervals longer than a week (a monthly injection) are said not to be read, as the
        # FHIR reader says: a dose schedule of 1 to 168 hours is what the check models.
        if self.accept("d", "day", "days"):
            if n != int(n) or not 1 <= n <= 7:
                raise self.fail("an interval in days must be a whole number from 1 to 7")
            n *= 24  # 'every 3 days' (a patch changed every third day)
        elif self.accept("w", "wk", "wks", "week", "weeks"):
            if n != 1:
                raise self.fail("an interval in weeks must be 1 (intervals up to 168 hours)")
            n *= 168
        elif not self.accept("h", "hr", "hrs", "hour", "hours"):
            raise self.fail("expected 'h' or 'hours'")
        elif n < 1 or n > 168:
            raise self.fail("the interval must be between 1 and 168 hours")
        return (f"q{n:g}h", 24 / n, n)


def _typed_in_order(match: MedicationMatch) -> bool:
    """Whether `match` is its ingredients' names typed one after the other ('baclofen',
    'aspirin-codeine' read as the product of those two), so that strengths typed after it go
    to them by position; a brand or product name ('Percocet') is not."""
    if len(match.ingredients) == 1:
        return True
    if match.variants:
        return False
    pieces = _JOINED_NAMES.split(match.query.strip().lower())
    return len(pieces) == len(match.ingredients) and all(
        piece in (m.written.lower(), m.ingredient.name.lower(), m.ingredient.id)
        for piece, m in zip(pieces, match.ingredients, strict=True)
    )


_MASS_UNITS = frozenset({"mg", "mcg", "g"})  # strengths per tablet, not per mL or per hour


def product_variants(
    term: Terminology, ingredients: Sequence[MatchedIngredient]
) -> list[tuple[MatchedIngredient, ...]]:
    """The strengths of every product in the product index made of exactly `ingredients` (a
    clinical or branded drug with a dose form and a mass strength for each ingredient), each
    as its ingredients in the product's order; the same strengths are listed once."""
    wanted = {m.ingredient.id for m in ingredients}
    words = [m.ingredient.id for m in ingredients]
    out: list[tuple[MatchedIngredient, ...]] = []
    seen: set[frozenset[tuple[str, float | None, str | None]]] = set()
    for product in term.products.with_ingredient_words(words):
        if product.kind != "drug":
            continue
        variant: list[MatchedIngredient] = []
        for c in product.components:
            m = term.matched_component(c)
            if m is None or m.strength is None or m.unit not in _MASS_UNITS:
                break
            variant.append(m)
        else:
            ids = [m.ingredient.id for m in variant]
            key = frozenset(m.key for m in variant)
            if len(set(ids)) == len(ids) and set(ids) == wanted and key not in seen:
                seen.add(key)
                out.append(tuple(variant))
    return out


def _in_order(
    variant: Sequence[MatchedIngredient], ingredients: Sequence[MatchedIngredient]
) -> list[MatchedIngredient]:
    """A variant's ingredients in the order of `ingredients` (those it has)."""
    by_id = {m.ingredient.id: m for m in variant}
    return [by_id[m.ingredient.id] for m in ingredients if m.ingredient.id in by_id]


def _strengths_made(
    variants: Sequence[Sequence[MatchedIngredient]], ingredients: Sequence[MatchedIngredient]
) -> str:
    """The strengths that exist, on one line, in the order the ingredients were written:
    'aspirin/caffeine/orphenadrine 385/30/25 mg or 770/60/50 mg'."""
    names = "/".join(m.ingredient.name.lower() for m in ingredients)
    shown = []
    for v in variants:
        ordered = _in_order(v, ingredients)
        units = {m.unit for m in ordered}
        unit = f" {ordered[0].unit}" if len(units) == 1 else ""
        shown.append(
            "/".join(f"{m.strength:g}" + ("" if unit else f" {m.unit}") for m in ordered) + unit
        )
    return f"{names} {' or '.join(shown)}"


def _positional(
    variants: Sequence[Sequence[MatchedIngredient]],
    ingredients: Sequence[MatchedIngredient],
    values: Sequence[float],
    unit: str | None,
) -> tuple[MatchedIngredient, ...] | None:
    """The product variant whose strengths are `values`, the n-th for the n-th ingredient."""
    for variant in variants:
        ordered = _in_order(variant, ingredients)
        if len(ordered) != len(values):
            continue
        try:
            mine = [
                convert(m.strength or 0.0, m.unit or "mg", unit or m.unit or "mg") for m in ordered
            ]
        except InputError:
            continue
        if all(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(mine, values, strict=True)):
            return tuple(variant)
    return None


@dataclass
class _Parsed:
    text: str
    match: MedicationMatch | None = None
    drug_end: int = 0
    doses: list[Dose | None] = field(default_factory=list)
    tablets: float | None = None
    route: str | None = None
    frequency: Frequency | None = None
    prn: bool = False
    duration: float | None = None
    from_product_name: bool = False
    dashed: bool = False  # the strengths were joined by '-' only ('2-4 mg': a range)
    problems: list[str] = field(default_factory=list)
    # The order's own cap on a day ('max 3 doses/day', 'max 6 tabs/day', 'max 12 mg/day').
    cap_doses: float | None = None
    cap_tablets: float | None = None
    cap_mg: float | None = None

    def max_doses_per_day(self) -> float | None:
        """The cap as doses a day (a milligram cap needs the one dose of the line)."""
        doses = [d for d in self.doses if d is not None]
        return cap_per_day(
            doses=self.cap_doses,
            tablets=self.cap_tablets,
            mg=self.cap_mg,
            tablets_per_dose=self.tablets,
            strength_mg=doses[0].mg() if len(doses) == 1 else None,
        )


@dataclass(frozen=True)
class MedicationLine:
    """A medication line read into one order per ingredient, with what could not be read."""

    text: str
    match: MedicationMatch
    orders: tuple[Order, ...]
    problems: tuple[str, ...] = ()


def orders_for(
    match: MedicationMatch,
    text: str,
    *,
    doses: Sequence[Dose | None] = (),
    tablets: float | None = None,
    **fields: Any,
) -> tuple[Order, ...]:
    """One order per ingredient of `match` (a combination product gives several, each naming
    the product and its components); the n-th dose goes to the n-th ingredient, and `fields`
    (route, frequency, start, ...) to all."""
    ids = tuple(m.ingredient.id for m in match.ingredients)
    product = match.product or (match.matched if match.how in ("brand", "product") else None)
    if product is None and len(ids) > 1:
        product = text
    out = []
    for n, m in enumerate(match.ingredients):
        dose = doses[n] if n < len(doses) else None
        out.append(
            Order(
                text=text,
                drug=m.ingredient.id,
                drug_name=m.ingredient.name,
                rxcui=m.ingredient.rxcui,
                has_monograph=m.ingredient.has_monograph,
                product=product,
                product_rxcui=match.rxcui if match.rxcui != m.ingredient.rxcui else None,
                components=ids if len(ids) > 1 else (),
                dose=dose,
                tablets=tablets if dose is not None else None,
                **fields,
            )
        )
    return tuple(out)


def _orders(parsed: _Parsed, start: date | None) -> tuple[Order, ...]:
    assert parsed.match is not None
    return orders_for(
        parsed.match,
        parsed.text,
        doses=parsed.doses,
        tablets=parsed.tablets,
        route=parsed.route,
        frequency=parsed.frequency,
        prn=parsed.prn,
        duration_days=parsed.duration,
        start=start,
        max_doses_per_day=parsed.max_doses_per_day(),
    )


def parse_medication(
    text: str,
    *,
    start: date | None = None,
    terminology: Terminology | None = None,
    field: str = "sig",
    lenient: bool = False,
) -> MedicationLine:
    """Read a medication line into one order per ingredient.

    Strict (orders being checked): any problem raises. Lenient (current medications): once the
    drug resolves, a dose or frequency that cannot be read leaves the ingredients in the check
    without a dose and says why in `problems`; a drug that does not resolve still raises
    UnknownDrugError (the caller lists it as not checked)."""
    term = terminology or default_terminology()
    line = term.shipped_first(
        lambda: _parse_medication(text, start=start, terminology=term, field=field, lenient=lenient)
    )
    return _as_written(line, text.strip())


def _as_written(line: MedicationLine, written: str) -> MedicationLine:
    """The line, and each order read from all of it, with the text as the person wrote it
    ('Tylenol w/ codeine #3', read with 'w/' spelled out)."""
    if line.text == written:
        return line
    orders = tuple(
        o.model_copy(update={"text": written}) if o.text == line.text else o for o in line.orders
    )
    return replace(line, text=written, orders=orders)


def parse_product(
    text: str, *, terminology: Terminology | None = None, field: str = "medication"
) -> MedicationMatch:
    """The medication a printed product name names ('cyclobenzaprine (FLEXERIL) 10 MG tablet',
    'oxyCODONE-acetaminophen (PERCOCET) 5-325 MG per tablet': an EHR's medication text), with
    each ingredient's strength per unit when the text gives every one in mg, mcg or g (the text
    is then the product's name). No frequency is read. Raises UnknownDrugError when it names no
    drug known here (a typed combination with one unknown name keeps it as unresolved)."""
    term = terminology or default_terminology()

    def read() -> MedicationMatch:
        parser = _Parser(_spelled_out(text), term, field)
        parser.strict = False
        match, from_names, _end = parser.medication()
        parser.parenthesized_name(match)
        try:
            values, unit = parser.strengths(match)
            if not values:
                return match
            parser.assign(match, values, unit, from_names)
        except InputError:
            return match
        doses = parser.parsed.doses
        if (
            parser.parsed.problems
            or len(doses) != len(match.ingredients)
            or not all(d is not None and d.unit in _MASS_UNITS for d in doses)
        ):
            return match
        ings = tuple(
            m.model_copy(update={"strength": d.value, "unit": d.unit})
            for m, d in zip(match.ingredients, doses, strict=True)
            if d is not None
        )
        product = text.strip() if len(ings) > 1 else match.product
        return match.model_copy(update={"ingredients": ings, "product": product})

    return term.shipped_first(read)


# A split dose on one line: a second dose and its times after 'and', '&', 'plus', a comma or a
# semicolon ('baclofen 10 mg every morning and 20 mg at bedtime', '... 1 tab qam, 2 tabs qhs').
_SPLIT = re.compile(
    r"^(?P<first>.+?)\s*(?:,|;|&|\band\b|\bplus\b)\s*"
    r"(?P<second>\d+(?:\.\d+)?\s*(?P<unit>mg|mcg|g|ml|tabs?|tablets?|caps?|capsules?)\b.*)$",
    re.IGNORECASE,
)
CHANGES_OVER_TIME = (
    "a dose that changes over time is read as steps joined by 'then', each but the last with its "
    "duration (e.g. 'baclofen 5 mg tid for 3 days then 10 mg tid'), or plan it with myorelax "
    "titrate"
)


# A dose that changes over time on one line: steps joined by 'then' ('baclofen 5 mg tid x 3 days
# then 10 mg tid'); a later step may say 'increase to' or 'decrease to' before its dose.
_THEN = re.compile(r"\s*[,;]?\s*\bthen\b\s*", re.IGNORECASE)
_TAPER_END = re.compile(r"(?:stop|discontinue|dc|d/c|off)\.?", re.IGNORECASE)
_STEP_VERB = re.compile(
    r"^(?:(?:increase|increasing|decrease|decreasing|reduce|reducing|titrate|go|taper)\s+)?to\s+",
    re.IGNORECASE,
)


def _one_drug_part(
    text: str, terminology: Terminology, field: str, like: _Parsed | None = None
) -> _Parsed | None:
    """A part of a line read whole as a dose of one drug (of the drug of `like`, when given);
    None when it is not (the line's own error then stands)."""
    try:
        parsed = _Parser(text, terminology, field).parse()
    except InputError:
        return None
    assert parsed.match is not None  # parse() names the drug or raises
    ids = [m.ingredient.id for m in parsed.match.ingredients]
    if len(ids) != 1 or parsed.problems:
        return None
    if like is not None:
        assert like.match is not None
        if ids != [m.ingredient.id for m in like.match.ingredients]:
            return None
    return parsed


def _stepped_dose(
    text: str, *, start: date | None, terminology: Terminology, field: str
) -> MedicationLine | None:
    """A line of one drug whose dose changes over time, steps joined by 'then' ('baclofen 5 mg
    tid x 3 days then 10 mg tid'): each step is its own order, starting when the one before ends
    (from `start`, else today), so the dose checks judge each step and the rise between steps,
    never their sum. Every step but the last needs its duration; all are of the same single
    drug. None when the line is not that (its own error then stands)."""
    parts = [p.strip() for p in _THEN.split(text)]
    ends = len(parts) >= 2 and _TAPER_END.fullmatch(parts[-1]) is not None
    if ends:
        parts = parts[:-1]  # a course's end ('... x 7 days then stop'): no dose after it
    if not all(parts) or (len(parts) < 2 and not ends):
        return None
    first = _one_drug_part(parts[0], terminology, field)
    if first is None:
        return None
    drug_text = parts[0][: first.drug_end].strip()
    steps = [first]
    for part in parts[1:]:
        step_text = f"{drug_text} {_STEP_VERB.sub('', part)}"
        step = _one_drug_part(step_text, terminology, field, like=first)
        if step is None:
            return None
        steps.append(step)
    if any(s.duration is None for s in steps[:-1]):
        return None  # where a step without a duration ends, the next cannot start
    day = start or date.today()
    orders: list[Order] = []
    for step in steps:
        orders += _orders(step, day)
        day += timedelta(days=math.ceil(step.duration or 0))
    assert first.match is not None
    return MedicationLine(text, first.match, tuple(orders), ())


def _split_dose(
    text: str, *, start: date | None, terminology: Terminology, field: str
) -> MedicationLine | None:
    """A line of one drug given as two doses at different times, each read as its own line of
    the drug (their total is checked: see the dose checks); None when the line is not that. A
    dose that changes over time ('... for 3 days and 10 mg tid') is not a split dose: either
    part with a duration is refused."""
    m = _SPLIT.match(text)
    if m is None:
        return None
    first_text = m["first"].strip()
    first = _one_drug_part(first_text, terminology, field)
    if first is None:
        return None
    drug_text = first_text[: first.drug_end].strip()
    second_text = f"{drug_text} {m['second'].strip()}"
    if m["unit"].lower() in _TABLET_WORDS and first.tablets and first.doses and first.doses[0]:
        # '1 tab qam, 2 tabs qhs': the second count is of the first part's tablets.
        each = first.doses[0].value / first.tablets
        second_text = f"{drug_text} {each:g} {first.doses[0].unit} {m['second'].strip()}"
    assert first.match is not None
    second = _one_drug_part(second_text, terminology, field, like=first)
    if second is not None:
        later = _orders(second, start)
    else:
        # More than two parts ('10 mg qam, 10 mg at noon and 20 mg qhs'): the rest is split
        # the same way, each part of the same drug.
        rest = _split_dose(second_text, start=start, terminology=terminology, field=field)
        ids = [m.ingredient.id for m in first.match.ingredients]
        if rest is None or [m.ingredient.id for m in rest.match.ingredients] != ids:
            return None
        later = rest.orders
    if first.duration is not None or (second is not None and second.duration is not None):
        # One part for a while, the other after it ('5 mg tid x 3 days and 10 mg tid').
        raise SigParseError(text, m.start("second"), CHANGES_OVER_TIME, field=field)
    return MedicationLine(text, first.match, _orders(first, start) + later, ())


def _parse_medication(
    text: str, *, start: date | None, terminology: Terminology, field: str, lenient: bool
) -> MedicationLine:
    stripped = _spelled_out(text)
    term = terminology
    parser = _Parser(stripped, term, field)
    parser.strict = not lenient
    try:
        parsed = parser.parse()
    except UnknownDrugError:
        raise
    except InputError as exc:
        stepped = _stepped_dose(stripped, start=start, terminology=term, field=field)
        if stepped is not None:
            return stepped
        split = _split_dose(stripped, start=start, terminology=term, field=field)
        if split is not None:
            return split
        if not lenient or parser.parsed.match is None:
            raise
        match = parser.parsed.match
        bare = _Parsed(text=stripped, match=match)
        if parser.parsed.drug_end >= len(stripped):
            # The drug's name alone ('Yaz'): nothing was there to read.
            return MedicationLine(stripped, match, _orders(bare, start), ())
        problem = f"dose text not read ({exc.message}); checked as the drug only"
        return MedicationLine(stripped, match, _orders(bare, start), (problem,))
    assert parsed.match is not None
    if parsed.match.unresolved and not lenient:
        # An order is checked whole or not at all: a component not known here is refused.
        raise parser.unknown_part or UnknownDrugError(parsed.match.unresolved[0], field=field)
    if parsed.problems and not lenient:
        raise SigParseError(stripped, parsed.drug_end, parsed.problems[0], field=field)
    return MedicationLine(stripped, parsed.match, _orders(parsed, start), tuple(parsed.problems))


_REGULAR_CODES = {1: "qd", 2: "bid", 3: "tid", 4: "qid"}


def regular_frequency(doses_per_day: int, *, field: str = "frequency") -> Frequency:
    """Evenly spaced doses: 1 to 4 a day at the usual clock times (first at 08:00); 5 to 24 a
    day every 24/n hours from 08:00 (methocarbamol's every 4 hours)."""
    code = _REGULAR_CODES.get(doses_per_day)
    if code is None and 5 <= doses_per_day <= 24:
        return every_hours_frequency(24 / doses_per_day)
    if code is None:
        raise SigParseError(
            str(doses_per_day), 0, "1 to 24 evenly spaced doses a day are supported", field=field
        )
    interval = 24 / doses_per_day
    return Frequency(
        code=code,
        doses_per_day=doses_per_day,
        interval_h=interval,
        times=times_for(code, doses_per_day, interval),
    )


def scheduled_order(
    drug_id: str,
    drug_name: str,
    rxcui: str,
    *,
    dose_mg: float,
    doses_per_day: int,
    has_monograph: bool = True,
    start: date | None = None,
) -> Order:
    """An oral order built from its parts, with no text parsed: `dose_mg` per administration,
    `doses_per_day` evenly spaced. Its `text` is rendered for display only (what `parse_sig`
    would read back into the same order)."""
    frequency = regular_frequency(doses_per_day)
    return Order(
        text=f"{drug_id} {dose_mg:g} mg po {frequency.code if doses_per_day > 1 else 'daily'}",
        drug=drug_id,
        drug_name=drug_name,
        rxcui=rxcui,
        has_monograph=has_monograph,
        dose=Dose(value=dose_mg, unit="mg"),
        route="oral",
        frequency=frequency,
        start=start,
    )


def parse_sig(
    text: str,
    *,
    start: date | None = None,
    terminology: Terminology | None = None,
    field: str = "sig",
) -> Order:
    """Parse dose text of one drug into an `Order`; raise SigParseError / UnknownDrugError /
    UnitError. A combination product gives the order of its one ingredient with a monograph
    (carisoprodol in 'Soma Compound'); a combination of several such is refused."""
    line = parse_medication(text, start=start, terminology=terminology, field=field)
    return order_of_line(line, field=field)


def order_of_line(line: MedicationLine, *, field: str = "sig") -> Order:
    """The one order of a line read by `parse_medication` (see `parse_sig`)."""
    if len(line.orders) == 1:
        return line.orders[0]
    if len({o.drug for o in line.orders}) == 1 and len({o.start for o in line.orders}) > 1:
        raise SigParseError(
            line.text,
            0,
            f"a dose that changes over time ({', then '.join(o.text for o in line.orders)}) is "
            f"{len(line.orders)} orders of {line.orders[0].drug_name.lower()}; give one dose "
            "and its times here",
            field=field,
        )
    if len({o.drug for o in line.orders}) == 1:
        raise SigParseError(
            line.text,
            0,
            f"a split dose ({' and '.join(o.text for o in line.orders)}) is "
            f"{len(line.orders)} orders of {line.orders[0].drug_name.lower()}; give one dose "
            "and its times here",
            field=field,
        )
    with_monograph = [o for o in line.orders if o.has_monograph]
    if len(with_monograph) == 1:
        return with_monograph[0]
    names = ", ".join(o.drug_name for o in line.orders)
    raise SigParseError(
        line.text,
        0,
        f"a combination product ({names}); name the one ingredient to use here",
        field=field,
    )


# -- frequencies built from typed parts (no text parsed): each is the Frequency the SIG reader
# gives for the same words ("tid", "q8h", "5 times a day", "once").


def named_frequency(code: str) -> Frequency:
    """A named daily code: qd, bid, tid, qid, qpm, qhs (as the SIG reader reads them)."""
    if code not in ("qd", "bid", "tid", "qid", "qpm", "qhs"):
        raise ValueError(f"not a named daily frequency: {code!r}")
    per_day = {"bid": 2, "tid": 3, "qid": 4}.get(code, 1)
    return Frequency(
        code=code,
        doses_per_day=per_day,
        interval_h=24 / per_day,
        times=times_for(code, per_day, None),
    )


def every_hours_frequency(hours: float) -> Frequency:
    """Every `hours` hours (1 to 168): code 'q8h', as the SIG reader reads 'q8h'."""
    if not 1 <= hours <= 168:
        raise ValueError(f"the interval must be between 1 and 168 hours, got {hours:g}")
    code = f"q{hours:g}h"
    return Frequency(
        code=code,
        doses_per_day=24 / hours,
        interval_h=hours,
        times=times_for(code, 24 / hours, hours),
    )


def times_a_day_frequency(n: int) -> Frequency:
    """`n` (1 to 24) doses a day: as the SIG reader reads 'n times a day'."""
    if not 1 <= n <= 24:
        raise ValueError(f"the number of doses a day must be from 1 to 24, got {n}")
    code = _REGULAR_CODES.get(n, f"{n}x/day")
    return Frequency(code=code, doses_per_day=n, interval_h=24 / n, times=times_for(code, n, None))


def once_frequency() -> Frequency:
    """A single dose, as the SIG reader reads 'once'."""
    return Frequency(code="once", doses_per_day=1, interval_h=None, times=("08:00",), single=True)


def parse_frequency(text: str, *, field: str = "frequency") -> Frequency:
    """A frequency written by a person on its own ('twice daily', 'q6h', 'TID', 'at bedtime');
    raise SigParseError when it is not one, or when text is left after it."""
    parser = _Parser(text.strip(), default_terminology(), field)
    if not parser.toks:
        raise parser.fail("empty frequency")
    frequency = parser.frequency()
    if parser.peek() is not None:
        raise parser.fail("unexpected text after the frequency")
    return frequency
