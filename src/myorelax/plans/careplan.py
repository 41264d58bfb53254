"""The non-drug care plan that goes with a drug, from the knowledge base's cited templates."""

from __future__ import annotations

from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.plans.common import cite
from myorelax.plans.model import CareItem, CarePlan, Citation


def care_plan_for(drug: Monograph, kb: KnowledgeBase) -> CarePlan | None:
    """The care plan template listing this drug, or None when there is none."""
    for template in kb.careplans.values():
        if drug.id not in template.drugs:
            continue
        goals = tuple(
            CareItem(id=g.id, kind="goal", text=g.text, measure=g.measure, source=g.source or "")
            for g in template.goals
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
            for a in template.activities
        )
        cited: dict[str, Citation] = {}
        for item in (*template.goals, *template.activities):
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
        )
    return None
