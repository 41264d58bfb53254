"""The patient: demographics, kidney and liver function, conditions, genotype, medications.

`build_patient(data)` validates raw input (flags, JSON, YAML) into a `Patient`, turning every
problem into a `PatientDataError` that names the field: impossible values (age 250, weight 0,
creatinine 0) and contradictions (pregnant and male). `kidney_function(patient)` derives CrCl and
eGFR and says how.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from myorelax.clinical.hepatic import ChildPugh, Impairment, impairment_of
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.regimen import Order
from myorelax.clinical.renal import CREATININE_MG_DL_PER_UNIT, Sex, ckd_epi_2021, cockcroft_gault
from myorelax.errors import PatientDataError, UnitError
from myorelax.knowledge.schema import PatientStates
from myorelax.units import convert

Phenotype = Literal["PM", "IM", "NM", "RM", "UM"]


def active_patient_states() -> PatientStates:
    """patient_states.yaml of the knowledge in use (the site's folder, else the packaged one):
    for the patient model, which has no knowledge base passed to it. Loaded when first needed."""
    from myorelax.knowledge.loader import load_knowledge

    return load_knowledge().patient_states


def _pregnancy_from_age(states: PatientStates) -> float:
    band = states.pregnancy_possible.from_age
    return convert(band.lower, band.unit, "year")


class StoppedMedication(BaseModel):
    """A medication the record shows as stopped or completed recently: not taken now, but an
    interaction that outlasts the last dose (an MAO inhibitor's 14 days before cyclobenzaprine)
    still counts. `stopped_on` None: the stop date is not recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: Order
    stopped_on: date | None = None


class Patient(BaseModel):
    """What the checks know about a person. Unknown is None, never a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age_years: float | None = Field(default=None, ge=0, le=125)
    sex: Sex = "unknown"
    weight_kg: float | None = Field(default=None, gt=0.3, le=400)
    height_cm: float | None = Field(default=None, ge=30, le=260)
    scr_mg_dl: float | None = Field(default=None, gt=0.05, le=30)
    crcl_ml_min: float | None = Field(default=None, ge=0, le=300)
    egfr_ml_min: float | None = Field(default=None, ge=0, le=300)
    egfr_reported: str | None = Field(
        default=None,
        pattern=r"^(<|<=|>|>=)\d+(\.\d+)?$",
        description="the eGFR as a laboratory reported it when it is a bound ('>60', '<15'); "
        "egfr_ml_min then holds the bound",
    )
    dialysis: bool = False
    child_pugh: ChildPugh | None = None
    pregnant: bool | None = Field(default=None, description="None: not recorded")
    lactating: bool | None = Field(default=None, description="None: not recorded")
    conditions: tuple[str, ...] = ()
    allergies: tuple[str, ...] | None = Field(
        default=None, description="None: not recorded; empty: no known allergies"
    )
    cyp2c19: Phenotype | None = None
    alcohol: bool = False
    substance_use_disorder: bool = False
    medications: tuple[Order, ...] = ()
    stopped_medications: tuple[StoppedMedication, ...] = Field(
        default=(),
        description="medications stopped recently (for interactions with a washout)",
    )
    not_checked: tuple[NotChecked, ...] = Field(
        default=(),
        description="what the patient's record held that could not be read (not checked)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Patient:
        if self.pregnant and self.sex == "male":
            raise ValueError("pregnant: a patient recorded as male cannot be pregnant")
        if self.lactating and self.sex == "male":
            raise ValueError("lactating: a patient recorded as male cannot be lactating")
        # The lower end of patient_states.yaml's `pregnancy_possible` band (cited there).
        if (
            self.pregnant
            and self.age_years is not None
            and self.age_years < _pregnancy_from_age(active_patient_states())
        ):
            raise ValueError(f"pregnant: implausible at age {self.age_years:g}")
        if self.height_cm and self.weight_kg:
            bmi = self.weight_kg / (self.height_cm / 100) ** 2
            if not 8 <= bmi <= 150:
                raise ValueError(
                    f"weight_kg: {self.weight_kg:g} kg at {self.height_cm:g} cm gives a BMI of "
                    f"{bmi:.0f}, which is not possible"
                )
        return self

    @property
    def has_condition(self) -> frozenset[str]:
        """The recorded conditions with those the other fields record: substance use disorder,
        and liver disease when a Child-Pugh class is given (the class grades a chronic liver
        disease, cirrhosis mostly, so one is present). Grade is not severity: a contraindication
        in severe or significant hepatic impairment names its Child-Pugh classes
        (`Contraindication.child_pugh`), so class A is not taken for them."""
        extra = {"substance_use_disorder"} if self.substance_use_disorder else set()
        if self.child_pugh is not None:
            extra.add("active_liver_disease")
        return frozenset(self.conditions) | extra

    @property
    def liver_impairment(self) -> Impairment:
        return impairment_of(self.child_pugh, "active_liver_disease" in self.conditions)


class KidneyFunction(BaseModel):
    """Derived kidney function with how each number was obtained (None when unknown)."""

    model_config = ConfigDict(frozen=True)

    crcl_ml_min: float | None
    crcl_basis: str
    egfr_ml_min: float | None
    egfr_basis: str
    dialysis: bool
    egfr_reported: str | None = None  # '>60': the eGFR given is that bound
    # Kidney failure recorded as a condition (GFR below this, mL/min, by its definition): what the
    # kidney rules use when no laboratory value was given. None: no such condition recorded.
    failure_gfr_below: float | None = None
    failure_basis: str | None = None
    # The floor of that category (CKD stage 4: 15), None for one open below (kidney failure).
    failure_gfr_from: float | None = None

    @property
    def known(self) -> bool:
        return (
            self.dialysis
            or self.crcl_ml_min is not None
            or self.egfr_ml_min is not None
            or self.failure_gfr_below is not None
        )

    @property
    def measured(self) -> bool:
        """A CrCl or an eGFR is known (given or estimated from creatinine)."""
        return self.crcl_ml_min is not None or self.egfr_ml_min is not None


def kidney_function(
    p: Patient,
    failure: tuple[float, str, float | None] | None = None,
    *,
    states: PatientStates | None = None,
) -> KidneyFunction:
    """CrCl (given, or Cockcroft-Gault) and eGFR (given, or CKD-EPI 2021, an adult equation:
    from `states.adult_from_age`, patient_states.yaml of the knowledge in use when not given),
    each with its basis; `failure`: the GFR category a recorded kidney condition implies (below,
    what it is, from; mL/min)."""
    if p.crcl_ml_min is not None:
        crcl: float | None = p.crcl_ml_min
        crcl_basis = "given"
    elif p.scr_mg_dl is not None and p.age_years is not None and p.weight_kg is not None:
        est = cockcroft_gault(p.age_years, p.weight_kg, p.scr_mg_dl, p.sex, p.height_cm)
        crcl = round(est.crcl_ml_min, 1)
        crcl_basis = (
            f"Cockcroft-Gault from serum creatinine {p.scr_mg_dl:g} mg/dL, {est.explanation}"
        )
    else:
        crcl = None
        missing = [
            n
            for n, v in (
                ("serum creatinine", p.scr_mg_dl),
                ("age", p.age_years),
                ("weight", p.weight_kg),
            )
            if v is None
        ]
        crcl_basis = "unknown: no CrCl given and " + ", ".join(missing) + " missing"
    reported = None
    if p.egfr_ml_min is not None:
        egfr: float | None = p.egfr_ml_min
        egfr_basis = "given"
        if p.egfr_reported:
            reported = p.egfr_reported
            egfr_basis = f"given as {reported} (the bound is used)"
    elif (
        p.scr_mg_dl is not None
        and p.age_years is not None
        and not (states or active_patient_states()).is_child(p.age_years)
    ):
        egfr = round(ckd_epi_2021(p.age_years, p.scr_mg_dl, p.sex), 1)
        egfr_basis = f"CKD-EPI 2021 from serum creatinine {p.scr_mg_dl:g} mg/dL"
        if p.sex == "unknown":
            egfr_basis += " (sex unknown: the lower of the female and male estimates)"
    else:
        egfr = None
        egfr_basis = "unknown: no eGFR given and no serum creatinine with adult age"
    return KidneyFunction(
        crcl_ml_min=crcl,
        crcl_basis=crcl_basis,
        egfr_ml_min=egfr,
        egfr_basis=egfr_basis,
        dialysis=p.dialysis,
        egfr_reported=reported,
        failure_gfr_below=failure[0] if failure else None,
        failure_basis=failure[1] if failure else None,
        failure_gfr_from=failure[2] if failure else None,
    )


_NUMBER_FIELDS = ("age_years", "weight_kg", "height_cm", "scr_mg_dl", "crcl_ml_min", "egfr_ml_min")
_FLAG_FIELDS = ("dialysis", "pregnant", "lactating", "alcohol", "substance_use_disorder")


# The unit of each number field, for a value written with its unit ('62 kg', '154 lb',
# '97 umol/L', '5 ft 7 in' is not read: one number and one unit).
_FIELD_UNITS = {
    "age_years": "year",
    "weight_kg": "kg",
    "height_cm": "cm",
    "crcl_ml_min": "mL/min",
    "egfr_ml_min": "mL/min",
}
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([^\d\s].*?)\s*$")


def _quantity(name: str, value: str) -> float:
    """A number field written with its unit, in the field's unit; anything else is refused
    naming the field (a bare number in quotes stays refused: it is text, not a number)."""
    m = _QUANTITY.match(value)
    if m is None:
        raise PatientDataError(f"must be a number (got {value!r})", field=name)
    number, unit = float(m.group(1)), m.group(2)
    unit = re.sub(r"/\s*1\.73\s*m2$|/\{1\.73_m2\}$", "", unit)  # eGFR per 1.73 m2
    if name == "scr_mg_dl":
        per = CREATININE_MG_DL_PER_UNIT.get(unit.lower().replace(" ", ""))
        if per is None:
            raise PatientDataError(
                f"{value!r}: give serum creatinine in mg/dL or umol/L", field=name
            )
        return round(number * per, 6)
    try:
        return round(convert(number, unit, _FIELD_UNITS[name], field=name), 6)
    except UnitError:
        raise PatientDataError(
            f"{value!r} is not in a unit of {_FIELD_UNITS[name]}", field=name
        ) from None


def build_patient(data: Mapping[str, Any]) -> Patient:
    """Validate raw patient data; every problem becomes a PatientDataError naming the field.
    A number must be a number and a yes/no a boolean: `age_years: true` is not a 1-year-old and
    `"60"` (quoted) is not 60 (pydantic's lax mode would take both). A number written with its
    unit ('62 kg', '154 lb', '1.1 mg/dL', '97 umol/L') is converted to the field's unit."""
    converted = dict(data)
    for name in _NUMBER_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            converted[name] = value = _quantity(name, value)
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise PatientDataError(f"must be a number (got {value!r})", field=name)
    data = converted
    for name in _FLAG_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise PatientDataError(f"must be true or false (got {value!r})", field=name)
    try:
        return Patient.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
            field, _, rest = msg.partition(": ")
            if rest:
                raise PatientDataError(rest, field=field) from None
        given = err.get("input")
        shown = f" (got {given!r})" if given is not None and not isinstance(given, dict) else ""
        raise PatientDataError(f"{msg}{shown}", field=loc or "patient") from None
