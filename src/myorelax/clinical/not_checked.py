"""What a check could not check, said plainly: never a clean screen over something unknown.

Every item names what it is about (`kind`, `item`), a stable `reason` code for programs, and a
sentence for people. The patient reader adds what it could not read (an unknown medication, a
dose it could not parse, an unknown condition or allergy); the safety check adds the patient
facts a rule needed and did not have (age, sex, weight, kidney or liver function, pregnancy or
breastfeeding status, allergies). A number the record gives that is not a readable one (NaN, an
infinity) is `unreadable_value`; a resource carrying a medication of a type that is not read is
`unread_resource`; a dispensed medication taken as current though whether it still is cannot be
told is `possibly_current`; a record of a patient who has died is `deceased_patient` (the checks
ran as for a living patient); a FHIR record without a Patient resource is `missing_patient` (age
and sex unknown); a current medication of the drug an order is for, read as replaced by the order,
is `replaced_medication` (their sum was not checked); a pregnant or breastfeeding patient on a
drug the knowledge base has no label statement for on it is `no_label_statement`; a dose by a
route the drug has no labelled dosing for here is `no_route_dosing` (its limits were not checked). Every interface shows the list above the alerts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

NotCheckedKind = Literal["medication", "dose", "condition", "allergy", "patient_fact"]
NotCheckedReason = Literal[
    "unknown_drug",
    "unknown_component",
    "unparsed_dose",
    "no_dose",
    "unknown_condition",
    "unknown_allergy",
    "missing_age",
    "missing_sex",
    "missing_weight",
    "missing_kidney_function",
    "kidney_function_as_egfr",
    "missing_liver_function",
    "missing_pregnancy_status",
    "missing_lactation_status",
    "missing_allergies",
    "no_regimen",
    "unreadable_value",
    "unread_resource",
    "deceased_patient",
    "missing_patient",
    "possibly_current",
    "missing_route",
    "replaced_medication",
    "no_label_statement",
    "later_dosage_steps",
    "duplicate_line",
    "class_only",
    "no_route_dosing",
]


class NotChecked(BaseModel):
    """One thing the check did not (fully) check, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: NotCheckedKind
    item: str
    reason: NotCheckedReason
    detail: str

    def text(self) -> str:
        return self.detail
