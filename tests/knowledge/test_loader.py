"""The loader refuses a knowledge base with any uncited, mistyped or dangling fact.

Each test breaks one thing in a copy of the real data and checks the problem names the file, the
field and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myorelax.errors import KnowledgeError
from myorelax.knowledge.loader import load_knowledge_from, validate_knowledge
from tests.knowledge_edits import edit_yaml as _edit
from tests.knowledge_edits import load_problems as _problems


def test_packaged_knowledge_base_is_valid() -> None:
    kb, problems = validate_knowledge()
    assert problems == []
    assert kb is not None


def test_unknown_source_is_named(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/baclofen.yaml",
        lambda d: d["identifiers"]["rxcui"].update(source="no-such-source"),
    )
    problems = _problems(kb_copy)
    assert (
        "drugs/baclofen.yaml",
        "identifiers.rxcui.source",
        "unknown source id 'no-such-source'",
    ) in problems


def test_number_without_source_is_refused(kb_copy: Path) -> None:
    def strip(d: dict[str, Any]) -> None:
        d["populations"]["min_age"].pop("source", None)
        d["populations"]["min_age"].pop("section", None)

    _edit(kb_copy / "drugs/tizanidine.yaml", strip)
    problems = _problems(kb_copy)
    assert any(
        f == "drugs/tizanidine.yaml" and p == "populations.min_age" and "without a source" in m
        for f, p, m in problems
    )


def test_bad_unit_is_refused(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/baclofen.yaml",
        lambda d: d["products"][0]["strengths"][0].update(unit="milligrammes"),
    )
    problems = _problems(kb_copy)
    assert any(
        "products.0.strengths.0.unit" in p and "not a valid unit" in m for _, p, m in problems
    )


def test_unit_of_wrong_kind_is_refused(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/carisoprodol.yaml",
        lambda d: d["pk"]["observed"][0]["cmax"].update(unit="h"),
    )
    problems = _problems(kb_copy)
    assert any(
        p.endswith("observed.0.cmax.unit") and "does not fit cmax" in m for _, p, m in problems
    )


def test_implausible_number_is_refused(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/carisoprodol.yaml",
        lambda d: d["pk"]["observed"][0]["half_life"].update(value=5000, unit="h"),
    )
    problems = _problems(kb_copy)
    assert any(
        p.endswith("observed.0.half_life.value") and "implausible" in m for _, p, m in problems
    )


def test_unknown_interaction_partner_is_refused(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/tizanidine.yaml",
        lambda d: d["interactions"][0].update(object={"drug": "unobtainium"}),
    )
    problems = _problems(kb_copy)
    assert (
        "drugs/tizanidine.yaml",
        "interactions.0.object.drug",
        "unknown drug 'unobtainium'",
    ) in problems


def test_unknown_group_and_condition_are_refused(kb_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["classes"] = ["no_such_class"]
        d["contraindications"][0]["condition"] = "no_such_condition"
        d["contraindications"][0].pop("allergy", None)
        d["contraindications"][0].pop("interaction", None)

    _edit(kb_copy / "drugs/carisoprodol.yaml", change)
    problems = _problems(kb_copy)
    assert ("drugs/carisoprodol.yaml", "classes.0", "unknown group 'no_such_class'") in problems
    assert (
        "drugs/carisoprodol.yaml",
        "contraindications.0.condition",
        "unknown condition 'no_such_condition'",
    ) in problems


def test_unknown_field_is_refused(kb_copy: Path) -> None:
    _edit(kb_copy / "drugs/baclofen.yaml", lambda d: d.update(colour="blue"))
    problems = _problems(kb_copy)
    assert ("drugs/baclofen.yaml", "colour", "Extra inputs are not permitted") in problems


def test_label_source_needs_setid(kb_copy: Path) -> None:
    _edit(
        kb_copy / "sources/common.yaml",
        lambda d: d["sources"].append({"id": "x-label", "type": "label", "title": "A label"}),
    )
    problems = _problems(kb_copy)
    assert any(f == "sources/common.yaml" and "setid" in m for f, _, m in problems)


def test_rxcui_must_agree_between_groups_and_monograph(kb_copy: Path) -> None:
    _edit(
        kb_copy / "drugs/baclofen.yaml", lambda d: d["identifiers"]["rxcui"].update(value="999999")
    )
    problems = _problems(kb_copy)
    assert any(
        f == "drugs/baclofen.yaml" and p == "identifiers.rxcui.value" for f, p, _ in problems
    )


def test_yaml_syntax_error_names_the_file(kb_copy: Path) -> None:
    (kb_copy / "drugs/baclofen.yaml").write_text("id: [unclosed\n")
    problems = _problems(kb_copy)
    assert any(f == "drugs/baclofen.yaml" and "does not parse" in m for f, _, m in problems)


def test_load_raises_one_knowledge_error_naming_the_first_problem(kb_copy: Path) -> None:
    _edit(kb_copy / "drugs/baclofen.yaml", lambda d: d.update(colour="blue"))
    with pytest.raises(KnowledgeError, match=r"drugs/baclofen.yaml: colour"):
        load_knowledge_from(kb_copy)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("covariate", "hepatic_impairmnet", "covariate"),  # a typo would never match a patient
        ("parameter", "clearance", "parameter"),  # not a model parameter: never applied
        ("category", "child_pugh_c", "is not one hepatic_impairment can take"),
    ],
)
def test_a_covariate_outside_the_closed_vocabulary_is_a_load_error(
    kb_copy: Path, field: str, value: str, expected: str
) -> None:
    # Issue 19: such an effect used to be reported as applied and silently not applied.
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        cov = next(c for c in d["pk"]["covariates"] if c.get("covariate") == "hepatic_impairment")
        cov[field] = value

    _edit(kb_copy / "drugs/methocarbamol.yaml", edit)
    problems = _problems(kb_copy)
    assert any(f == "drugs/methocarbamol.yaml" and "covariates" in p and
               (expected in p or expected in m) for f, p, m in problems), problems  # fmt: skip


def test_a_condition_implying_an_unknown_condition_or_an_uncited_gfr_is_a_load_error(
    kb_copy: Path,
) -> None:
    def change(d: dict[str, Any]) -> None:
        failure = next(c for c in d["conditions"] if c["id"] == "kidney_failure")
        failure["implies"] = ["reduced_kidney_functoin"]
        failure["gfr_below"].pop("source")

    _edit(kb_copy / "conditions.yaml", change)
    problems = _problems(kb_copy)
    assert (
        "conditions.yaml",
        "kidney_failure.implies.0",
        "unknown condition 'reduced_kidney_functoin'",
    ) in problems
    assert any(p == "kidney_failure.gfr_below" and "source" in m for _, p, m in problems)


def test_a_geriatric_dosing_entry_without_its_age_is_a_load_error(kb_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        entry = next(x for x in d["dosing"] if x["population"] == "geriatric")
        entry.pop("from_age")

    _edit(kb_copy / "drugs/diazepam.yaml", change)
    problems = _problems(kb_copy)
    assert any(
        f == "drugs/diazepam.yaml" and p.endswith(".from_age") and "needs its age" in m
        for f, p, m in problems
    )


def test_a_warning_naming_an_unknown_condition_is_a_load_error(kb_copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        epilepsy = next(w for w in d["warnings"] if w["id"] == "epilepsy")
        epilepsy["conditions"] = ["seizure_disorder", "epilepsyy"]

    _edit(kb_copy / "drugs/baclofen.yaml", change)
    problems = _problems(kb_copy)
    i = next(i for i, (f, p, _m) in enumerate(problems) if f == "drugs/baclofen.yaml")
    assert problems[i][1].startswith("warnings.") and problems[i][1].endswith(".conditions.1")
    assert problems[i][2] == "unknown condition 'epilepsyy'"


def test_an_exempt_condition_must_be_a_kind_of_the_contraindicated_one(kb_copy: Path) -> None:
    """Diazepam's glaucoma entry leaves out open-angle glaucoma, a kind of glaucoma; leaving out
    a condition that is not a kind of it (sleep apnea) would silently drop the entry."""

    def change(d: dict[str, Any]) -> None:
        entry = next(c for c in d["contraindications"] if c.get("condition") == "glaucoma")
        entry["exempt"] = ["open_angle_glaucoma", "sleep_apnea"]

    _edit(kb_copy / "drugs/diazepam.yaml", change)
    problems = _problems(kb_copy)
    mine = [(p, m) for f, p, m in problems if f == "drugs/diazepam.yaml"]
    assert len(mine) == 1, problems
    assert mine[0][0].endswith(".exempt.1")
    assert mine[0][1] == "'sleep_apnea' is not a known kind of the condition 'glaucoma'"
