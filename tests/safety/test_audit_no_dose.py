"""Audit 8, never silent: an order without a dose ('baclofen tid', a combination written without
strengths) is checked as the drug, and the report says the dose limits were not checked - a
`no_dose` item, as for a current medication or a FHIR order without a dose - in every interface
(the engine's `not_checked` feeds the CLI, REST and the web)."""

from __future__ import annotations

import json

import pytest

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.safety.engine import evaluate_regimen
from tests.conftest import CliRunner


def no_dose(orders: list[str]) -> list[tuple[str, str]]:
    report = evaluate_regimen(patient_from_data({"age_years": 50}), regimen_from(orders))
    return [(n.item, n.detail) for n in report.not_checked if n.reason == "no_dose"]


@pytest.mark.parametrize(
    ("order", "drugs"),
    [
        ("baclofen tid", ["baclofen"]),
        ("baclofen/tizanidine tid", ["baclofen", "tizanidine"]),
        ("aspirin/carisoprodol tid", ["carisoprodol"]),
    ],
)
def test_an_order_without_a_dose_is_a_no_dose_item(order: str, drugs: list[str]) -> None:
    got = no_dose([order])
    assert [item for item, _ in got] == [order] * len(drugs)
    for (_, detail), drug in zip(got, drugs, strict=True):
        assert detail == f"{order!r}: no dose given, so the dose limits of {drug} were not checked"


def test_an_order_with_a_dose_has_none() -> None:
    assert no_dose(["baclofen 10 mg tid"]) == []
    assert no_dose(["Soma Compound with codeine tid"]) == []  # the product gives the doses


def test_a_current_medication_without_a_dose_is_said_once() -> None:
    report = evaluate_regimen(
        patient_from_data({"age_years": 50, "medications": ["tizanidine"]}),
        regimen_from(["baclofen 10 mg tid"]),
    )
    assert [n.item for n in report.not_checked if n.reason == "no_dose"] == ["tizanidine"]


def test_check_cli_says_it(cli: CliRunner) -> None:
    r = cli("check", "--order", "baclofen tid", "--age", "50", "--json")
    assert r.returncode == 0, r.stderr
    items = [n for n in json.loads(r.stdout)["not_checked"] if n["reason"] == "no_dose"]
    assert [(n["kind"], n["item"]) for n in items] == [("dose", "baclofen tid")]
    text = cli("check", "--order", "baclofen tid", "--age", "50")
    assert "dose limits of baclofen were not checked" in " ".join(text.stdout.split())


def test_sex_other_is_said_once_not_silently_unknown() -> None:
    """The rules know female and male only (Cockcroft-Gault, pregnancy). 'other' is read as
    unknown, and that is said once (not again as the plain 'sex unknown' item)."""
    from myorelax import evaluate_regimen, patient_from_data, regimen_from

    patient = patient_from_data({"sex": "other", "age_years": 50, "weight_kg": 70,
                                 "scr_mg_dl": 1.0})  # fmt: skip
    report = evaluate_regimen(patient, regimen_from(["baclofen 10 mg tid"]))
    said = [n for n in report.not_checked if n.reason == "missing_sex"]
    assert len(said) == 1 and "'other'" in said[0].detail
