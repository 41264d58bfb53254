"""Diary entries: what a patient records, validated per kind.

Scales: pain, stiffness and daily stress are 0-10 numeric rating scales (NRS: eleven points, the
person picks a whole number; Hawker et al., Arthritis Care Res 2011;63(S11):S240-52); spasm
frequency is the Penn Spasm Frequency Scale (0-4) and its severity 1-3 (asked only when frequency
is above 0); the Perceived Stress Scale (PSS-10) has ten items scored 0-4 with items 4, 5, 7 and 8
reversed (total 0-40); sleep is hours (any fraction) and quality a 0-10 rating in whole numbers
(as the form offers it); side effects are named with severity 1-3 (mild, moderate, severe): one of
SIDE_EFFECTS, or "other: <the person's words>" for anything else. Timestamps must carry their time
zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from myorelax.diary.vocabulary import (
    CSV_FIELDS as CSV_FIELDS,
)
from myorelax.diary.vocabulary import KINDS as KINDS
from myorelax.diary.vocabulary import NRS_KINDS as NRS_KINDS
from myorelax.diary.vocabulary import PSS10_REVERSED as PSS10_REVERSED
from myorelax.diary.vocabulary import SIDE_EFFECT_OTHER as SIDE_EFFECT_OTHER
from myorelax.diary.vocabulary import SIDE_EFFECTS as SIDE_EFFECTS
from myorelax.diary.vocabulary import DoseStatus as DoseStatus
from myorelax.diary.vocabulary import EntryKind as EntryKind
from myorelax.errors import InputError

SAME_SLOT_H = 2.0  # design choice: a planned dose within 2 h of one recorded is the same slot
CLOCK_SKEW_MIN = 5  # a time up to 5 minutes ahead of the server's clock is not "the future"
SYMPTOM_MAX = 80  # the stored column's length
OTHER_PREFIX = f"{SIDE_EFFECT_OTHER}: "


class DiaryEntry(BaseModel):
    """One diary entry. `id` and `patient_id` are set by the store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int | None = None
    patient_id: int | None = None
    at: datetime
    kind: EntryKind
    drug: str | None = None
    dose_mg: float | None = Field(default=None, gt=0, le=10_000)
    dose_status: DoseStatus | None = None
    value: float | None = None
    severity: int | None = Field(default=None, ge=1, le=3)
    quality: float | None = Field(default=None, ge=0, le=10)
    symptom: str | None = Field(default=None, max_length=80)
    items: tuple[int, ...] | None = None
    text: str | None = Field(default=None, max_length=4000)

    @field_validator("at", mode="before")
    @classmethod
    def _not_a_number(cls, at: object) -> object:
        # A bare number would be read as seconds since 1970 ('1' is 1970-01-01T00:00:01Z), a
        # silent guess: a diary time is a date-time with its zone, written out.
        text = at.strip() if isinstance(at, str) else at
        if isinstance(text, bool | int | float) or (
            isinstance(text, str) and text.lstrip("+-").replace(".", "", 1).isdigit()
        ):
            raise ValueError(
                f"{at!r} is a number, not a date-time: write it as ISO 8601 with a time zone "
                "(e.g. 2026-12-01T08:00:00+01:00)"
            )
        return at

    @field_validator("at")
    @classmethod
    def _aware(cls, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("needs a time zone (e.g. 2026-12-01T08:00:00+01:00)")
        if not 1900 <= at.year <= 2199:
            # Beyond this, storing the time in UTC (and every window around it) leaves the calendar.
            raise ValueError("must be between the years 1900 and 2199")
        return at

    @field_validator("value")
    @classmethod
    def _whole_rating(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("kind")
        if value is not None and kind in NRS_KINDS and not float(value).is_integer():
            raise ValueError(
                f"{kind} is rated in whole numbers 0-10 (numeric rating scale), not {value:g}"
            )
        return value

    @field_validator("quality")
    @classmethod
    def _whole_quality(cls, quality: float | None) -> float | None:
        if quality is not None and not float(quality).is_integer():
            raise ValueError(f"sleep quality is rated in whole numbers 0-10, not {quality:g}")
        return quality

    @field_validator("symptom", mode="before")
    @classmethod
    def _known_symptom(cls, symptom: object, info: ValidationInfo) -> object:
        if info.data.get("kind") != "side_effect" or not isinstance(symptom, str):
            return symptom
        return side_effect_term(symptom)

    @model_validator(mode="after")
    def _by_kind(self) -> DiaryEntry:
        k = self.kind
        if k == "dose":
            if not self.drug or self.dose_mg is None:
                raise ValueError("a dose entry needs drug and dose_mg")
            if self.dose_status is None:
                object.__setattr__(self, "dose_status", "planned")
        elif self.drug is not None or self.dose_mg is not None or self.dose_status is not None:
            raise ValueError(f"drug and dose fields belong to dose entries, not {k}")
        if k in NRS_KINDS:
            _need_range(self.value, 0, 10, f"{k} value (0-10)")
        if k == "spasm":
            _need_range(self.value, 0, 4, "spasm frequency (Penn 0-4)")
            assert self.value is not None
            if self.value != int(self.value):
                raise ValueError("spasm frequency is a whole number 0-4")
            if self.value == 0 and self.severity is not None:
                raise ValueError("spasm severity is skipped when frequency is 0")
            if self.value > 0 and self.severity is None:
                raise ValueError("spasm severity (1-3) is needed when frequency is above 0")
        elif k == "side_effect":
            if not self.symptom:
                raise ValueError("a side effect entry needs symptom")
            if self.severity is None:
                raise ValueError("a side effect entry needs severity 1-3")
        elif self.severity is not None:
            raise ValueError(f"severity does not apply to {k}")
        if k == "pss10":
            if (
                self.items is None
                or len(self.items) != 10
                or any(not 0 <= i <= 4 for i in self.items)
            ):
                raise ValueError("PSS-10 needs ten answers, each 0-4")
            object.__setattr__(self, "value", float(pss10_total(self.items)))
        elif self.items is not None:
            raise ValueError(f"items apply to PSS-10 only, not {k}")
        if k == "sleep":
            _need_range(self.value, 0, 24, "sleep hours (0-24)")
        elif self.quality is not None:
            raise ValueError(f"quality applies to sleep only, not {k}")
        if k == "note" and not self.text:
            raise ValueError("a note needs text")
        return self


def side_effect_term(words: str) -> str:
    """A named side effect as stored: one of SIDE_EFFECTS (any case), "other", or anything else
    kept in the person's words as "other: <words>" (the vocabulary's "other")."""
    text = " ".join(words.split())
    low = text.lower()
    if low in SIDE_EFFECTS or low == SIDE_EFFECT_OTHER:
        return low
    if low.startswith(f"{SIDE_EFFECT_OTHER}:"):
        text = text[len(SIDE_EFFECT_OTHER) + 1 :].strip()
        if not text:
            return SIDE_EFFECT_OTHER
    if not text:
        return text
    term = OTHER_PREFIX + text
    if len(term) > SYMPTOM_MAX:
        raise ValueError(
            f"a side effect not in the list ({', '.join(SIDE_EFFECTS)}) is kept as "
            f"'{OTHER_PREFIX}<words>' in at most {SYMPTOM_MAX - len(OTHER_PREFIX)} characters"
        )
    return term


def unlisted_symptom(e: DiaryEntry) -> str | None:
    """The person's words when a side effect was not one of the named ones (stored as other)."""
    if e.kind == "side_effect" and e.symptom and e.symptom.startswith(OTHER_PREFIX):
        return e.symptom[len(OTHER_PREFIX) :]
    return None


def _need_range(value: float | None, low: float, high: float, what: str) -> None:
    if value is None:
        raise ValueError(f"{what} is required")
    if not low <= value <= high:
        raise ValueError(f"{what}: {value:g} is out of range")


SEVERITY_WORDS = {1: "mild", 2: "moderate", 3: "severe"}


def describe_entry(e: DiaryEntry, *, with_time: bool = True) -> str:
    """One entry in plain words, e.g. "pain 6 at 21:00" or "baclofen 10 mg (planned dose) at
    08:00" (used in the saved message and in the audit log's record of a correction)."""
    when = f" on {e.at:%d %b} at {e.at:%H:%M}" if with_time else ""
    if e.kind == "dose":
        kind = {"planned": "planned dose", "extra": "extra dose", "prn": "as-needed dose"}
        return f"{e.drug} {e.dose_mg:g} mg ({kind.get(e.dose_status or '', 'dose')}){when}"
    if e.kind == "side_effect":
        return f"{e.symptom} ({SEVERITY_WORDS.get(e.severity or 0, e.severity)}){when}"
    if e.kind == "note":
        text = e.text or ""
        return f"a note ({text[:40]}{'...' if len(text) > 40 else ''}){when}"
    if e.kind == "sleep":
        quality = f", quality {e.quality:g}/10" if e.quality is not None else ""
        return f"sleep {e.value:g} h{quality}{when}"
    if e.kind == "spasm":
        severity = f", {SEVERITY_WORDS.get(e.severity or 0)}" if e.severity else ""
        return f"spasms {e.value:g}/4 (Penn){severity}{when}"
    if e.kind == "pss10":
        return f"PSS-10 {e.value:g}/40{when}"
    return f"{e.kind} {e.value:g}/10{when}"


def not_in_future(entry: DiaryEntry, now: datetime, field: str = "at") -> None:
    """Refuse a dose or symptom time later than now (allowing CLOCK_SKEW_MIN of clock skew)."""
    if entry.at > now + timedelta(minutes=CLOCK_SKEW_MIN):
        local = now.astimezone(entry.at.tzinfo)
        raise InputError(
            f"{entry.at:%d %b %Y %H:%M} is in the future (now it is {local:%d %b %Y %H:%M}): "
            "record what has happened",
            field=field,
        )


def pss10_total(items: tuple[int, ...]) -> int:
    """PSS-10 total 0-40: items 4, 5, 7 and 8 (positively worded) are reverse-scored."""
    return sum((4 - a) if i in PSS10_REVERSED else a for i, a in enumerate(items, start=1))


def parse_entry(data: Mapping[str, Any], where: str = "") -> DiaryEntry:
    """A DiaryEntry from loose data; a validation problem becomes one InputError naming the field."""
    try:
        return DiaryEntry.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "entry"
        message = err["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}{message}", field=loc) from None
