"""Alert-to-card mapping and prefetch templates, without a server: one case per branch."""

from __future__ import annotations

import pytest

from myorelax.cds_hooks.fetching import fill_template
from myorelax.cds_hooks.mapping import alert_to_card, delete_suggestion
from myorelax.safety.alert import Alert, Evidence

EVIDENCE = Evidence(source="dm-soma", title="SOMA label", url="https://dailymed.nlm.nih.gov/x",
                    section="7.1")  # fmt: skip


def alert(severity: str, summary: str = "Carisoprodol + diazepam: additive sedation") -> Alert:
    return Alert(code="MRX-DDI-003", severity=severity, summary=summary,  # type: ignore[arg-type]
                 detail="Both depress the CNS.", drugs=("carisoprodol", "diazepam"),
                 mechanism="additive CNS depression", recommendation="Avoid.",
                 evidence=(EVIDENCE,))  # fmt: skip


@pytest.mark.parametrize(
    ("severity", "indicator", "reasons"),
    [("contraindicated", "critical", True), ("major", "warning", True),
     ("moderate", "warning", True), ("minor", "info", False)],
)  # fmt: skip
def test_indicator_and_override_reasons_by_severity(
    severity: str, indicator: str, reasons: bool
) -> None:
    card = alert_to_card(alert(severity), instance="i", source_label="myorelax")
    assert card.indicator == indicator
    assert (card.overrideReasons is not None) == reasons
    assert card.source.topic is not None and card.source.topic.code == "MRX-DDI-003"
    assert card.links is not None and card.links[0].url == EVIDENCE.url
    assert "section 7.1" in card.links[0].label


def test_summary_is_under_140_characters_and_cut_at_a_word() -> None:
    long = "Carisoprodol " + "with a very long explanation " * 4  # 129 characters
    card = alert_to_card(alert("major", long[:139]), instance="i", source_label="m")
    assert len(card.summary) < 140
    card = alert_to_card(alert("major", (long * 2)[:140]), instance="i", source_label="m")
    assert len(card.summary) < 140 and card.summary.endswith("\u2026")


def test_uuids_are_stable_per_instance_and_finding() -> None:
    a = alert_to_card(alert("major"), instance="one", source_label="m")
    b = alert_to_card(alert("major"), instance="one", source_label="m")
    c = alert_to_card(alert("major"), instance="two", source_label="m")
    assert a.uuid == b.uuid != c.uuid


def test_suggestions_set_selection_behavior_and_resource_id() -> None:
    s = delete_suggestion("i", alert("contraindicated"), "carisoprodol", "MedicationRequest/7")
    card = alert_to_card(alert("contraindicated"), instance="i", source_label="m", suggestions=[s])
    assert card.selectionBehavior == "at-most-one"
    assert card.suggestions is not None
    action = card.suggestions[0].actions[0]
    assert action.type == "delete" and action.resourceId == "MedicationRequest/7"
    assert card.suggestions[0].isRecommended is True
    plain = alert_to_card(alert("major"), instance="i", source_label="m")
    assert plain.suggestions is None and plain.selectionBehavior is None


def test_prefetch_templates_are_filled_from_context() -> None:
    q = "MedicationRequest?patient={{context.patientId}}&status=active"
    assert fill_template(q, {"patientId": "123"}) == "MedicationRequest?patient=123&status=active"
    assert fill_template(q, {}) is None
    assert fill_template(q, {"patientId": 5}) is None
