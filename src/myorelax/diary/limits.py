"""The labelled dosing maxima a diary dose is compared with: the highest single and daily maximum
of the drug's adult (or all-ages) oral dosing entries in the knowledge base. No number here: a
drug without a labelled maximum is simply not compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from myorelax.diary.entries import SAME_SLOT_H, DiaryEntry
from myorelax.knowledge.schema import Amount, KnowledgeBase
from myorelax.units import convert, has_dimension


@dataclass(frozen=True)
class DoseLimits:
    drug: str
    max_single_mg: float | None
    max_single_text: str | None
    max_daily_mg: float | None
    max_daily_text: str | None


@dataclass(frozen=True)
class AboveMax:
    """A dose above a labelled maximum: on its own (single) or with the day's other doses."""

    entry: DiaryEntry
    which: str  # "single" | "daily"
    amount_mg: float
    limit_mg: float
    limit_text: str
    day: date

    def message(self) -> str:
        e = self.entry
        if self.which == "single":
            return (f"{e.drug} {e.dose_mg:g} mg in one dose is above the labelled maximum "
                    f"single dose of {self.limit_text}")  # fmt: skip
        return (f"{e.drug} {self.amount_mg:g} mg on {self.day:%d %b %Y} is above the labelled "
                f"maximum of {self.limit_text} a day")  # fmt: skip


def _mg(amount: Amount | None) -> float | None:
    if amount is None or not has_dimension(amount.unit, "mg"):
        if amount is not None and has_dimension(amount.unit, "mg/day"):
            return convert(amount.upper, amount.unit, "mg/day")
        return None
    return convert(amount.upper, amount.unit, "mg")


def dose_limits(drug: str, kb: KnowledgeBase | None) -> DoseLimits:
    """The highest labelled oral maxima for adults (per-kg and pediatric entries left out)."""
    if kb is None or drug not in kb.drugs:
        return DoseLimits(drug, None, None, None, None)
    entries = [d for d in kb.drugs[drug].dosing
               if d.route == "oral" and d.population in ("adult", "all", "geriatric")]  # fmt: skip
    single = [(mg, d.max_single) for d in entries if (mg := _mg(d.max_single)) is not None]
    daily = [(mg, d.max_daily) for d in entries if (mg := _mg(d.max_daily)) is not None]
    s = max(single, key=lambda t: t[0]) if single else None
    m = max(daily, key=lambda t: t[0]) if daily else None
    return DoseLimits(
        drug,
        s[0] if s else None,
        s[1].text() if s and s[1] else None,
        m[0] if m else None,
        m[1].text() if m and m[1] else None,
    )


def above_max(
    new: Sequence[DiaryEntry], earlier: Sequence[DiaryEntry], kb: KnowledgeBase | None
) -> list[AboveMax]:
    """The new doses above a labelled single maximum, and the days on which the new doses take
    a drug's total (with the earlier doses of that day) above the labelled daily maximum."""
    out: list[AboveMax] = []
    doses = [e for e in new if e.kind == "dose" and e.drug and e.dose_mg is not None]
    done: set[tuple[str, date]] = set()
    for e in doses:
        assert e.drug is not None and e.dose_mg is not None
        limits = dose_limits(e.drug, kb)
        if limits.max_single_mg is not None and e.dose_mg > limits.max_single_mg * 1.0001:
            assert limits.max_single_text is not None
            out.append(AboveMax(e, "single", e.dose_mg, limits.max_single_mg,
                                limits.max_single_text, e.at.date()))  # fmt: skip
        key = (e.drug, e.at.date())
        if limits.max_daily_mg is None or key in done:
            continue
        kept = [d for d in earlier if not any(_same_slot(d, n) for n in doses)]
        same_day = [d for d in [*kept, *doses]
                    if d.kind == "dose" and d.drug == e.drug and d.at.date() == e.at.date()]  # fmt: skip
        total = sum(d.dose_mg or 0 for d in same_day)
        if total > limits.max_daily_mg * 1.0001:
            assert limits.max_daily_text is not None
            done.add(key)
            out.append(AboveMax(e, "daily", total, limits.max_daily_mg,
                                limits.max_daily_text, e.at.date()))  # fmt: skip
    return out


def _same_slot(old: DiaryEntry, new: DiaryEntry) -> bool:
    """A new planned dose replaces an earlier one of the same slot (it is not a second dose)."""
    return (old.kind == new.kind == "dose" and old.dose_status == new.dose_status == "planned"
            and old.drug == new.drug and old.at.date() == new.at.date()
            and abs((old.at - new.at).total_seconds()) < SAME_SLOT_H * 3600)  # fmt: skip
