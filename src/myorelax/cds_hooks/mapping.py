"""Alerts to CDS Hooks cards (`alert_to_card`), and the suggestions a card offers.

Indicator: `critical` only for a contraindication; `warning` for major and moderate findings;
`info` for minor ones. Card and suggestion uuids are derived from the hook instance and the
finding, so the same request gives the same uuids (feedback about a card can be matched to it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from myorelax.cds_hooks.models import Action, Card, Coding, Link, Source, Suggestion
from myorelax.safety.alert import Alert, shorten

ALERT_SYSTEM = "urn:myorelax:alert"
OVERRIDE_SYSTEM = "urn:myorelax:override-reason"
# Reasons a clinician may give for going ahead (CDS Hooks 2.0 `overrideReasons`).
OVERRIDE_REASONS = (
    Coding(code="benefit-outweighs-risk", system=OVERRIDE_SYSTEM,
           display="Benefit outweighs risk; will monitor"),
    Coding(code="already-managed", system=OVERRIDE_SYSTEM,
           display="Already managed (dose adjusted, monitoring in place)"),
    Coding(code="not-applicable", system=OVERRIDE_SYSTEM,
           display="Does not apply to this patient"),
    Coding(code="short-course", system=OVERRIDE_SYSTEM,
           display="Short course with a stop date"),
)  # fmt: skip
INDICATOR = {
    "contraindicated": "critical",
    "major": "warning",
    "moderate": "warning",
    "minor": "info",
}
SUMMARY_LIMIT = 139  # the specification says "<140 characters"
_NS = uuid.UUID("6f0c7a52-5d0e-4c1b-9a55-2f1f3c1f6d2e")


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts)))


def _detail(alert: Alert) -> str:
    lines = [alert.detail, "", f"**What to do:** {alert.recommendation}"]
    if alert.exposure is not None and alert.exposure.auc_ratio:
        lines.append(f"**Exposure:** AUC ×{alert.exposure.auc_ratio:g} ({alert.exposure.basis})")
    if alert.mechanism:
        lines.append(f"**Why:** {alert.mechanism}")
    if alert.evidence:
        lines.append("")
        lines.append(
            "Sources: "
            + "; ".join(
                f"[{e.title}{', section ' + e.section if e.section else ''}]({e.url})"
                for e in alert.evidence
            )
        )
    lines.append("")
    lines.append("_Decision support, not a prescription: the prescriber decides._")
    return "\n".join(lines)


def _alert_key(alert: Alert) -> tuple[str, ...]:
    """What makes an alert one card: its rule, its drugs and what it found. Suggestions carry it
    too, so that two cards offering to remove the same draft (carisoprodol with each of two
    opioids) have suggestions with different uuids, as the spec asks."""
    return (alert.code, *sorted(alert.drugs), *((alert.finding,) if alert.finding else ()))


def delete_suggestion(instance: str, alert: Alert, drug_name: str, resource_id: str) -> Suggestion:
    return Suggestion(
        label=f"Remove the draft {drug_name} order",
        uuid=stable_uuid(instance, *_alert_key(alert), "delete", resource_id),
        isRecommended=alert.severity == "contraindicated",
        actions=[_delete(drug_name, resource_id)],
    )


def _delete(drug_name: str, resource_id: str) -> Action:
    return Action(
        type="delete", description=f"Remove the draft {drug_name} order", resourceId=resource_id
    )


def replace_suggestion(
    instance: str,
    alert: Alert,
    drug_name: str,
    resource_id: str,
    alternative_label: str,
    alternative_resource: dict[str, Any],
) -> Suggestion:
    return Suggestion(
        label=f"Replace {drug_name} with {alternative_label}",
        uuid=stable_uuid(instance, *_alert_key(alert), "replace", resource_id, alternative_label),
        isRecommended=False,
        actions=[
            _delete(drug_name, resource_id),
            Action(
                type="create",
                description=f"Draft an order for {alternative_label}",
                resource=alternative_resource,
            ),
        ],
    )


def alert_to_card(
    alert: Alert,
    *,
    instance: str,
    source_label: str,
    source_url: str | None = None,
    suggestions: Sequence[Suggestion] = (),
) -> Card:
    """One card for one alert, with its evidence as links and its suggestions."""
    links = [
        Link(label=shorten(f"{e.title}{', section ' + e.section if e.section else ''}", 100),
             url=e.url)
        for e in alert.evidence
        if e.url.startswith(("http://", "https://"))
    ]  # fmt: skip
    return Card(
        uuid=stable_uuid(instance, *_alert_key(alert)),
        summary=shorten(alert.summary, SUMMARY_LIMIT),
        detail=_detail(alert),
        indicator=INDICATOR[alert.severity],
        source=Source(
            label=source_label,
            url=source_url,
            topic=Coding(code=alert.code, system=ALERT_SYSTEM, display=shorten(alert.summary, 100)),
        ),
        suggestions=list(suggestions) or None,
        selectionBehavior="at-most-one" if suggestions else None,
        overrideReasons=list(OVERRIDE_REASONS) if alert.rank <= 2 else None,
        links=links or None,
    )


def info_card(instance: str, key: str, summary: str, detail: str, source_label: str) -> Card:
    return Card(
        uuid=stable_uuid(instance, key),
        summary=shorten(summary, SUMMARY_LIMIT),
        detail=detail,
        indicator="info",
        source=Source(label=source_label),
    )
