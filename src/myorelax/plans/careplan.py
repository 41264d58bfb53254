"""The non-drug care plan that goes with a drug, from the knowledge base's cited templates, with
only the items written for this patient (age group, conditions, route)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from myorelax.clinical.patient import Patient
from myorelax.knowledge.schema import (
    CareActivity,
    CareAudience,
    CareGoal,
    KnowledgeBase,
    Monograph,
)
from myorelax.plans.common import cite
from myorelax.plans.model import CareItem, CarePlan, Citation

Route = Literal["oral", "intrathecal"]
T = TypeVar("T", CareGoal, CareActivity)


def audience_miss(audience: CareAudience | None, patient: Patient, route: Route) -> str | None:
    """Why an item written for `audience` does not fit this patient, or None when it fits (or may
    fit: an unknown age keeps an age-banded item, whose text names its readers)."""
    if audience is None:
        return None
    age = patient.age_years
    if age is not None and audience.age_below_years is not None and age >= audience.age_below_years:
        return f"age {age:g}"
    if age is not None and audience.age_from_years is not None and age < audience.age_from_years:
        return f"age {age:g}"
    if audience.routes and route not in audience.routes:
        return f"{route} route"
    if audience.conditions_any and not set(audience.conditions_any) & patient.has_condition:
        return "condition not recorded"
    return None


def _narrow(
    items: Sequence[T], patient: Patient, route: Route, left_out: dict[str, list[str]]
) -> list[T]:
    """The items written for this patient; the others are counted in `left_out` by audience."""
    kept = []
    for item in items:
        why = audience_miss(item.audience, patient, route)
        if why is None:
            kept.append(item)
        elif item.audience is not None:
            left_out.setdefault(f"{item.audience.label} ({why})", []).append(item.id)
    return kept


def care_plan_for(
    drug: Monograph, kb: KnowledgeBase, patient: Patient, route: Route = "oral"
) -> CarePlan | None:
    """The care plan template listing this drug, narrowed to this patient, or None."""
    for template in kb.careplans.values():
        if drug.id not in template.drugs:
            continue
        left_out: dict[str, list[str]] = {}
        goal_items = _narrow(template.goals, patient, route, left_out)
        activity_items = _narrow(template.activities, patient, route, left_out)
        goals = tuple(
            CareItem(id=g.id, kind="goal", text=g.text, measure=g.measure, source=g.source or "")
            for g in goal_items
        )
        activities = tuple(
            CareItem(
                id=a.id,
                kind="activity",
                category=a.category,
                text=a.text,
                frequency=a.frequency,
                caution=a.caution,
                source=a.source or "",
            )
            for a in activity_items
        )
        cited: dict[str, Citation] = {}
        for item in (*goal_items, *activity_items):
            c = cite(kb, item.source)
            if c is not None:
                cited.setdefault(c.id, c)
        return CarePlan(
            id=template.id,
            title=template.title,
            drug=drug.id,
            goals=goals,
            activities=activities,
            sources=tuple(cited.values()),
            left_out=tuple(
                f"{len(ids)} item{'s' if len(ids) > 1 else ''} for {who}"
                for who, ids in left_out.items()
            ),
        )
    return None
