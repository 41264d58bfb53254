"""Patient numbers must be JSON numbers (audit): pydantic's lax mode read `"age_years": true` as
a 1-year-old (firing the paediatric rule) and `"60"` as 60. A boolean or a string is refused with
422 naming the field, in the REST API and in a CLI patient file; integers stay numbers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from myorelax.api.schemas import FORM, PatientIn
from myorelax.clinical.inputs import patient_from_data
from myorelax.errors import PatientDataError
from tests.api.server import Server

FIELDS = ["age_years", "weight_kg", "egfr_ml_min", "scr_mg_dl", "crcl_ml_min", "height_cm"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [True, False, "60"])
def test_a_patient_number_that_is_not_a_number_is_refused(
    server: Server, clinician: dict[str, str], field: str, value: Any
) -> None:
    patient = {"age_years": 60, "sex": "female", field: value}
    r = httpx.post(server.base + "/api/v1/check", headers=clinician,
                   json={"orders": ["baclofen 10 mg tid"], "patient": patient})  # fmt: skip
    assert r.status_code == 422
    assert r.json()["field"] == f"patient.{field}"


def test_integers_stay_numbers_and_flags_are_booleans(
    server: Server, clinician: dict[str, str]
) -> None:
    ok = {"age_years": 60, "sex": "female", "weight_kg": 70, "egfr_ml_min": 80}
    r = httpx.post(server.base + "/api/v1/check", headers=clinician,
                   json={"orders": ["baclofen 10 mg tid"], "patient": ok})  # fmt: skip
    assert r.status_code == 200
    r = httpx.post(server.base + "/api/v1/check", headers=clinician,
                   json={"orders": ["baclofen 10 mg tid"], "patient": {**ok, "dialysis": 1}})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "patient.dialysis"


def test_the_openapi_document_says_number() -> None:
    schema = PatientIn.model_json_schema()["properties"]["age_years"]
    assert {"type": "number", "maximum": 125.0, "minimum": 0.0} in schema["anyOf"]


def test_a_web_form_gives_numbers_as_text() -> None:
    """A form's fields are all text: its validation context lets "72" be 72 (never `true`)."""
    assert PatientIn.model_validate({"age_years": "72"}, context=FORM).age_years == 72
    with pytest.raises(ValueError, match="number"):
        PatientIn.model_validate({"age_years": True}, context=FORM)


@pytest.mark.parametrize(
    ("field", "value"), [("age_years", True), ("egfr_ml_min", "80"), ("pregnant", "yes")]
)
def test_a_patient_file_with_a_wrong_type_names_the_field(field: str, value: Any) -> None:
    with pytest.raises(PatientDataError) as caught:
        patient_from_data({"age_years": 60, "sex": "female", field: value})
    assert caught.value.field == field
