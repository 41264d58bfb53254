"""An eGFR as laboratories report the ends of its range ('>60', '<15') is taken where people
type it: the CLI's --egfr, a patient file, the REST patient. It was refused ('must be a number'),
so a clinician copying the lab value had to invent one. It is read as the FHIR reader reads it:
at the bound ('<15' just below 15), and shown as reported."""

from __future__ import annotations

import json

import pytest

from myorelax.clinical.inputs import patient_from_data
from myorelax.errors import PatientDataError
from tests.conftest import CliRunner


@pytest.mark.parametrize(
    ("given", "value", "reported"),
    [
        ({"egfr_ml_min": ">60"}, 60, ">60"),
        ({"egfr_ml_min": "> 90 mL/min/1.73m2"}, 90, ">90"),
        ({"egfr_reported": ">60"}, 60, ">60"),
        ({"egfr_ml_min": 42}, 42, None),
    ],
)
def test_a_bound_is_read_at_the_bound(
    given: dict[str, object], value: float, reported: str | None
) -> None:
    p = patient_from_data({"age_years": 50, **given})
    assert (p.egfr_ml_min, p.egfr_reported) == (value, reported)


def test_below_a_bound_is_below_it_and_nonsense_is_refused_by_name() -> None:
    p = patient_from_data({"age_years": 50, "egfr_ml_min": "<15"})
    assert p.egfr_ml_min is not None and p.egfr_ml_min < 15 and p.egfr_reported == "<15"
    with pytest.raises(PatientDataError, match="egfr_ml_min"):
        patient_from_data({"age_years": 50, "egfr_ml_min": "normal"})


def test_the_cli_takes_a_bound_and_refuses_a_word(cli: CliRunner) -> None:
    r = cli("check", "--order", "baclofen 5 mg tid", "--egfr", ">60", "--age", "50", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["patient"]["egfr_reported"] == ">60"
    r = cli("check", "--order", "baclofen 5 mg tid", "--egfr", "normal")
    assert r.returncode == 2 and r.stderr.strip().startswith("error: --egfr:")


def test_the_web_form_takes_the_bound_and_shows_it_back() -> None:
    from myorelax.api.web.forms import patient_of, values_of_patient
    from myorelax.knowledge.terminology import default_terminology

    p = patient_of({"age_years": "50", "egfr_ml_min": ">60"}, default_terminology())
    assert (p.egfr_ml_min, p.egfr_reported) == (60, ">60")
    assert values_of_patient(p)["egfr_ml_min"] == ">60"
