"""What a plan is: steps of doses at clock times, expanded day by day, with what to watch for."""

from __future__ import annotations

import datetime as _dt
from datetime import date
from typing import Literal

from pydantic import Field, computed_field

from myorelax.clinical.not_checked import NotChecked
from myorelax.frozen import Frozen


class Tablets(Frozen):
    product: str
    strength_mg: float
    count: float = Field(gt=0)
    text: str


class DoseTime(Frozen):
    """One dose at a clock time, and the tablets that make it."""

    time: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    dose_mg: float = Field(gt=0)
    tablets: tuple[Tablets, ...]


class PlanAlert(Frozen):
    code: str
    severity: str
    summary: str


class Step(Frozen):
    """A dose level held from `start` to `end` (inclusive); `end` None: continue (maintenance)."""

    index: int = Field(ge=1)
    start: _dt.date
    end: _dt.date | None
    days: int | None
    daily_total_mg: float = Field(ge=0)
    doses: tuple[DoseTime, ...]
    text: str
    # What to start watching for from this step on: said once, at the step where it begins.
    watch_for: tuple[str, ...] = ()
    alerts: tuple[PlanAlert, ...] = ()
    note: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date(self) -> _dt.date:
        """The step's first day (the plan contract's `date`)."""
        return self.start


class Day(Frozen):
    date: date
    step: int
    daily_total_mg: float
    doses: tuple[DoseTime, ...]


class Citation(Frozen):
    id: str
    title: str
    url: str | None = None
    section: str | None = None


class Withdrawal(Frozen):
    signs: tuple[str, ...] = ()
    serious_signs: tuple[str, ...] = ()
    onset: str | None = None
    seek_care: tuple[str, ...] = ()


class Rule(Frozen):
    """The sourced rule a plan follows, in words, with the numbers it used."""

    text: str
    citations: tuple[Citation, ...] = ()


class CareItem(Frozen):
    id: str
    kind: Literal["goal", "activity"]
    category: str | None = None
    text: str
    measure: str | None = None
    frequency: str | None = None
    caution: str | None = None
    source: str


class CarePlan(Frozen):
    """The non-drug parts of treatment, each cited."""

    id: str
    title: str
    drug: str
    goals: tuple[CareItem, ...]
    activities: tuple[CareItem, ...]
    sources: tuple[Citation, ...]
    left_out: tuple[str, ...] = ()


class Plan(Frozen):
    """A titration or taper plan."""

    kind: Literal["titration", "taper"]
    drug: str
    drug_name: str
    formulation: str
    start: date
    # The last day of the plan: a taper's stop day; None for a titration, whose last (maintenance)
    # step continues until the prescriber changes it (its `days` list shows only the first days).
    end: date | None
    stop_date: date | None = None
    taper_needed: bool | None = None
    current: str | None = None
    target: str | None = None
    duration_days: int
    rule: Rule
    steps: tuple[Step, ...]
    days: tuple[Day, ...]
    withdrawal: Withdrawal = Withdrawal()
    stopping: str | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    alerts: tuple[PlanAlert, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()
    care_plan: CarePlan | None = None
    knowledge_version: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evidence(self) -> tuple[Citation, ...]:
        """Every source the plan rests on: its rule, then its care plan."""
        seen: dict[str, Citation] = {}
        for c in (*self.rule.citations, *(self.care_plan.sources if self.care_plan else ())):
            seen.setdefault(c.id + (c.section or ""), c)
        return tuple(seen.values())


class PumpEvent(Frozen):
    date: date
    kind: Literal["dose_change", "reminder", "alarm", "refill_by", "empty"]
    text: str


class PumpSegment(Frozen):
    start: date
    dose_mcg_day: float
    volume_ml_day: float


class PumpPlan(Frozen):
    """Intrathecal baclofen pump: when the reservoir reaches the alarm volume and runs dry."""

    reservoir_ml: float
    concentration_mcg_ml: float
    last_refill: date
    alarm_ml: float
    alarm_ml_assumed: bool
    segments: tuple[PumpSegment, ...]
    days_to_alarm: float
    days_to_empty: float
    alarm_date: date
    refill_by: date
    empty_date: date
    reminders: tuple[PumpEvent, ...]
    events: tuple[PumpEvent, ...]
    withdrawal: Withdrawal
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rule: Rule
    knowledge_version: str
