"""Issue 19: the clinical constants once written in Python are data, checked at load.

The pregnancy-possible age band (patient_states.yaml), the severity steps of a counted trigger
(MRX-DUP-001's Beers step) and the age at which a PK covariate's elderly group starts: each bad
value is refused with the file and the field named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myorelax.knowledge.schema import KnowledgeBase
from tests.knowledge_edits import edit_yaml as _edit
from tests.knowledge_edits import load_problems as _problems

DUP = "rules/MRX-DUP-001.yaml"
STATES = "patient_states.yaml"


def _named(problems: list[tuple[str, str, str]], file: str, field: str) -> list[str]:
    return [m for f, p, m in problems if f == file and p == field]


# -- the pregnancy-possible age band ---------------------------------------------------------


def test_the_packaged_band_is_cited_at_both_ends(kb: KnowledgeBase) -> None:
    band = kb.patient_states.pregnancy_possible
    assert (band.from_age.value, band.through_age.value) == (8, 62)
    assert band.from_age.source != band.through_age.source
    for end in (band.from_age, band.through_age):
        src = kb.sources[end.source or ""]
        assert src.pmid or src.doi
    # The disagreement is kept: a later start (menarche) under also_reported, with its source.
    (alt,) = band.from_age.also_reported
    assert alt.value == 11 and alt.source == "chumlea-2003"


def test_an_uncited_end_of_the_band_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["pregnancy_possible"]["through_age"].pop("source"))
    msgs = _named(_problems(kb_copy), STATES, "pregnancy_possible.through_age")
    assert any("without a source" in m for m in msgs)


def test_an_end_of_the_band_not_in_years_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["pregnancy_possible"]["from_age"].update(unit="mg"))
    msgs = _named(_problems(kb_copy), STATES, "pregnancy_possible.from_age.unit")
    assert msgs and "does not fit from_age" in msgs[0]


def test_an_implausible_age_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["pregnancy_possible"]["through_age"].update(value=550))
    msgs = _named(_problems(kb_copy), STATES, "pregnancy_possible.through_age.value")
    assert msgs and "implausible" in msgs[0]


def test_a_reversed_band_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["pregnancy_possible"]["from_age"].update(value=70))
    assert _named(_problems(kb_copy), STATES, "pregnancy_possible") == [
        "from_age 70 is above through_age 62"
    ]


def test_a_missing_or_mistyped_band_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / STATES, lambda d: d["pregnancy_possible"].update(to_age=55))
    assert _named(_problems(kb_copy), STATES, "pregnancy_possible.to_age")
    (kb_copy / STATES).unlink()
    assert any(f == STATES for f, _, _ in _problems(kb_copy))


# -- severity steps of a counted trigger ------------------------------------------------------


def test_the_beers_step_is_data_on_the_trigger(kb: KnowledgeBase) -> None:
    trigger = kb.rules["MRX-DUP-001"].trigger
    assert trigger is not None and trigger.severity == "moderate"
    assert trigger.grade(2) == ("moderate", None)
    severity, step = trigger.grade(3)
    assert severity == "major" and step is not None
    assert (step.at_least, step.source, step.section) == (3, "beers-2023", "Table 5")
    assert trigger.grade(5)[0] == "major"


def _step(change: dict[str, Any]) -> Any:
    def edit(d: dict[str, Any]) -> None:
        d["trigger"]["escalate"][0].update(change)

    return edit


def test_a_severity_outside_the_vocabulary_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / DUP, _step({"severity": "catastrophic"}))
    msgs = _named(_problems(kb_copy), DUP, "trigger.escalate.0.severity")
    assert msgs and "'major'" in msgs[0]


def test_a_step_that_does_not_raise_the_grade_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / DUP, _step({"severity": "minor"}))
    assert _named(_problems(kb_copy), DUP, "trigger.escalate.0.severity") == [
        "'minor' is not more severe than 'moderate'"
    ]


def test_a_step_below_the_trigger_count_is_refused(kb_copy: Path) -> None:
    def lower(d: dict[str, Any]) -> None:
        d["trigger"]["at_least"] = 3
        d["trigger"]["escalate"][0]["at_least"] = 2

    _edit(kb_copy / DUP, lower)
    assert _named(_problems(kb_copy), DUP, "trigger.escalate.0.at_least") == [
        "2 is below the trigger's count (3)"
    ]


def test_steps_must_rise(kb_copy: Path) -> None:
    def second(d: dict[str, Any]) -> None:
        d["trigger"]["escalate"].append(
            {
                "at_least": 3,
                "severity": "contraindicated",
                "reason": "again",
                "source": "beers-2023",
            }
        )

    _edit(kb_copy / DUP, second)
    assert _named(_problems(kb_copy), DUP, "trigger.escalate.1.at_least") == [
        "3 is not above the step before (3)"
    ]


def test_an_uncited_step_is_refused(kb_copy: Path) -> None:
    def strip(d: dict[str, Any]) -> None:
        d["trigger"]["escalate"][0].pop("source")
        d["trigger"]["escalate"][0].pop("section")

    _edit(kb_copy / DUP, strip)
    assert _named(_problems(kb_copy), DUP, "trigger.escalate.0.source")


def test_a_step_with_an_unknown_source_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / DUP, _step({"source": "beers-2019"}))
    assert _named(_problems(kb_copy), DUP, "trigger.escalate.0.source") == [
        "unknown source id 'beers-2019'"
    ]


def test_a_trigger_without_its_severity_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / "rules/MRX-DDI-004.yaml", lambda d: d["trigger"].pop("severity"))
    assert _named(_problems(kb_copy), "rules/MRX-DDI-004.yaml", "trigger.severity") == [
        "a trigger needs the severity of its alert"
    ]


def test_only_a_counted_trigger_escalates(kb_copy: Path) -> None:
    def add(d: dict[str, Any]) -> None:
        d["trigger"]["escalate"] = [
            {"at_least": 4, "severity": "contraindicated", "reason": "four", "source": "beers-2023"}
        ]

    _edit(kb_copy / "rules/MRX-DDI-004.yaml", add)
    assert _named(_problems(kb_copy), "rules/MRX-DDI-004.yaml", "trigger.escalate") == [
        "only a counted trigger (distinct_of) escalates"
    ]


# -- the age at which a PK covariate's elderly group starts ----------------------------------


def _age_group(d: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in d["pk"]["covariates"] if c.get("covariate") == "age_group"
    )
    return found


def test_an_age_group_covariate_carries_its_cited_age(kb: KnowledgeBase) -> None:
    for drug in ("tizanidine", "cyclobenzaprine"):
        (cov,) = [
            c for c in kb.drugs[drug].pk.covariates if getattr(c, "covariate", "") == "age_group"
        ]
        assert cov.from_age is not None  # type: ignore[union-attr]
        assert (cov.from_age.value, cov.from_age.source) == (65, "cfr-201-57")  # type: ignore[union-attr]


def test_an_age_group_covariate_without_its_age_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / "drugs/tizanidine.yaml", lambda d: _age_group(d).pop("from_age"))
    problems = _problems(kb_copy)
    assert [
        (p, m) for f, p, m in problems if f == "drugs/tizanidine.yaml" and p.endswith("from_age")
    ] == [("pk.covariates.1.from_age", "an age_group covariate needs the age its group starts")]


def test_an_age_group_age_must_be_an_age(kb_copy: Path) -> None:
    _edit(kb_copy / "drugs/tizanidine.yaml", lambda d: _age_group(d)["from_age"].update(unit="mg"))
    problems = _problems(kb_copy)
    assert any(
        f == "drugs/tizanidine.yaml" and p == "pk.covariates.1.from_age.unit"
        for f, p, _ in problems
    )


def test_an_age_on_another_covariate_is_refused(kb_copy: Path) -> None:
    def add(d: dict[str, Any]) -> None:
        d["pk"]["covariates"][0]["from_age"] = {"value": 65, "unit": "year", "source": "cfr-201-57"}

    _edit(kb_copy / "drugs/tizanidine.yaml", add)
    assert _named(_problems(kb_copy), "drugs/tizanidine.yaml", "pk.covariates.0.from_age") == [
        "only an age_group covariate has an age"
    ]
