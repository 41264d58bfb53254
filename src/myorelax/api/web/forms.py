"""Web forms: the raw text a user typed (kept, so an error never loses it) and its reading into
the same request models as the REST API, with every problem named by its form field."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from myorelax.api.schemas import FORM, PatientIn
from myorelax.clinical.inputs import egfr_bound, medication_orders, patient_from_data
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.renal import CREATININE_UMOL_PER_MG_DL
from myorelax.clinical.sig import parse_medication
from myorelax.errors import InputError, MyorelaxError
from myorelax.knowledge.terminology import Terminology

LIST_FIELDS = ("orders", "medications")
PATIENT_NUMBERS = ("age_years", "weight_kg", "height_cm", "scr_mg_dl", "egfr_ml_min")
PATIENT_CHOICES = ("sex", "child_pugh", "cyp2c19")
PATIENT_FLAGS = ("dialysis", "alcohol", "substance_use_disorder")
# Yes, no, or not recorded (an unticked box cannot tell "no" from "not asked").
PATIENT_STATUSES = ("pregnant", "lactating")
PATIENT_LINES = ("conditions", "allergies")
LABELS = {
    "age_years": "Age",
    "sex": "Sex",
    "weight_kg": "Weight",
    "height_cm": "Height",
    "scr_mg_dl": "Serum creatinine",
    "egfr_ml_min": "eGFR",
    "crcl_ml_min": "Creatinine clearance",
    "child_pugh": "Liver function (Child-Pugh)",
    "cyp2c19": "CYP2C19 phenotype",
    "conditions": "Conditions",
    "allergies": "Allergies",
    "medications": "Current medications",
    "orders": "New orders",
    "dialysis": "On dialysis",
    "alcohol": "Drinks alcohol",
    "substance_use_disorder": "History of substance use disorder",
    "pregnant": "Pregnant",
    "lactating": "Breastfeeding",
    "bundle": "FHIR R4 Bundle",
    "sim_order": "Order to simulate",
    "sim_days": "Days to simulate",
    "sim_population": "Simulated patients",
    "plan_kind": "Plan",
    "plan_what": "Current dose or drug",
    "plan_target": "Target dose",
    "plan_days": "Taper length",
    "plan_weeks": "Weeks on the drug so far",
    "plan_start": "First day",
    "action": "Action",
}
_INDEX = re.compile(r"^(\w+)\[(\d+)\]")
Values = dict[str, Any]


class FormError(InputError):
    """Problems with a form, by field name (the element id is `field_id(name)`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_id(field: str) -> str:
    """`orders[1]` -> `orders-1`, `patient.age_years` -> `age_years`: the input's id."""
    field = field.removeprefix("patient.")
    m = _INDEX.match(field)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    return field.split(".")[0].split("[")[0]


def errors_of(exc: MyorelaxError | ValidationError, default: str) -> dict[str, str]:
    """Field id -> message for a domain error or a pydantic validation error."""
    if isinstance(exc, ValidationError):
        out: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(x) for x in err["loc"]]
            name = loc[0] if loc else default
            if len(loc) > 1 and loc[1].isdigit():
                name = f"{name}[{loc[1]}]"
            fid = field_id(name)
            out.setdefault(fid, _plain(fid, str(err["msg"]), err.get("input")))
        return out
    return {field_id(exc.field or default): exc.message}


UNITS = {"age_years": "years", "weight_kg": "kg", "height_cm": "cm", "scr_mg_dl": "mg/dL",
         "egfr_ml_min": "mL/min/1.73 m²", "crcl_ml_min": "mL/min"}  # fmt: skip
# An input-plausibility guard, not a clinical threshold: a serum creatinine above this many
# mg/dL is out of any human range but an ordinary value in µmol/L, so the form suggests the unit
# was mixed up. The conversion factor is clinical/renal.py's (one definition).
SCR_LOOKS_LIKE_UMOL = 20.0


def scr_hint(value: object) -> str:
    """A sentence when a serum creatinine typed as mg/dL looks like µmol/L ("" otherwise)."""
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return ""
    if number <= SCR_LOOKS_LIKE_UMOL:
        return ""
    return (f"{number:g} looks like µmol/L ({number:g} µmol/L is "
            f"{number / CREATININE_UMOL_PER_MG_DL:.2f} mg/dL): enter it in mg/dL")  # fmt: skip


def _plain(fid: str, message: str, value: object) -> str:
    """A pydantic message in the form's words: "must be greater than 0.3 kg"."""
    message = message.removeprefix("Value error, ")
    bound = re.match(r"Input should be ((?:greater|less) than(?: or equal to)? \S+)$", message)
    if bound:
        unit = UNITS.get(fid)
        message = f"must be {bound.group(1)}" + (f" {unit}" if unit else "")
    elif message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    if fid == "scr_mg_dl" and (hint := scr_hint(value)):
        message = f"{message}; {hint}"
    return message


def error_labels(errors: dict[str, str]) -> dict[str, str]:
    """The label of each field with an error, for the error summary ("Weight: must be ...")."""
    out: dict[str, str] = {}
    for fid in errors:
        m = re.match(r"^(orders|medications)-(\d+)$", fid)
        if m:
            out[fid] = (
                f"{'Order' if m.group(1) == 'orders' else 'Medication'} {int(m.group(2)) + 1}"
            )
        elif fid in LABELS:
            out[fid] = LABELS[fid]
    return out


def read_form(form: FormData) -> Values:
    """Every text field as typed (lists for repeated fields); files are left out."""
    values: Values = {}
    for key in set(form.keys()):
        items = [v for v in form.getlist(key) if not isinstance(v, UploadFile)]
        if key in LIST_FIELDS:
            values[key] = [str(v) for v in items]
        elif items:
            values[key] = str(items[-1])
    return values


def text(values: Values, name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def rows(values: Values, name: str) -> list[tuple[int, str]]:
    """The non-blank rows of a repeated field with their row numbers (from 0)."""
    raw = values.get(name) or []
    return [(i, str(v).strip()) for i, v in enumerate(raw) if str(v).strip()]


def entries(values: Values, name: str) -> list[str]:
    """The non-blank rows of a repeated field."""
    return [text for _, text in rows(values, name)]


def row_field(field: str | None, name: str, numbered: list[tuple[int, str]]) -> str | None:
    """`name[k]` of the non-blank list back to `name[row]` of the form."""
    m = _INDEX.match(field or "")
    if m and m.group(1) == name and int(m.group(2)) < len(numbered):
        return f"{name}[{numbered[int(m.group(2))][0]}]{field[m.end() :]}"  # type: ignore[index]
    return field


def split_lines(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n;,]+", value) if part.strip()]


def patient_in(values: Values) -> PatientIn:
    """The patient part of a workspace form, validated as the REST API validates it."""
    data: dict[str, Any] = {}
    for name in PATIENT_NUMBERS:
        if text(values, name):
            data[name] = text(values, name).replace(",", ".")
    if egfr_bound(data.get("egfr_ml_min")):
        # '>60' as the laboratory reports it: the bound, shown as reported
        data["egfr_reported"] = data.pop("egfr_ml_min").strip()
    for name in PATIENT_CHOICES:
        if text(values, name):
            data[name] = text(values, name)
    for name in PATIENT_FLAGS:
        data[name] = text(values, name) in ("on", "true", "1", "yes")
    for name in PATIENT_STATUSES:
        status = text(values, name)
        if status in ("yes", "no"):
            data[name] = status == "yes"
    data["conditions"] = split_lines(text(values, "conditions"))
    if text(values, "allergies"):  # left empty: not recorded
        data["allergies"] = split_lines(text(values, "allergies"))
    data["medications"] = entries(values, "medications")
    try:
        return PatientIn.model_validate(data, context=FORM)
    except ValidationError as exc:
        errors = errors_of(exc, "patient")
        raise FormError(errors) from None


def patient_of(values: Values, terminology: Terminology) -> Patient:
    """The patient of a workspace form. Current medications are read as everywhere else
    (`clinical.inputs.medication_orders`): a drug not known here, or a dose that cannot be
    read, is reported with the check as not checked, never refused and never dropped."""
    checked = patient_in(values)
    data = checked.data()
    data["medications"] = []
    orders: list[Order] = []
    notes: list[NotChecked] = []
    for row, text_ in rows(values, "medications"):
        found, unread = medication_orders(
            text_, field=f"medications[{row}]", terminology=terminology
        )
        orders.extend(found)
        notes.extend(unread)
    data["not_checked"] = notes
    patient = patient_from_data(data, terminology)
    return patient.model_copy(update={"medications": tuple(orders)})


def regimen_of(values: Values, terminology: Terminology) -> Regimen:
    """The orders of a workspace form: every ingredient of each row, as the CLI and the REST
    check read them (a combination product is several orders; a split dose, two of one drug).
    A row that cannot be read is refused, naming its row."""
    return Regimen(
        orders=tuple(
            o
            for i, t in rows(values, "orders")
            for o in parse_medication(t, field=f"orders[{i}]", terminology=terminology).orders
        )
    )


def values_of_patient(patient: Patient) -> Values:
    """Form values from a patient read elsewhere (a FHIR record)."""
    values: Values = {}
    for name in PATIENT_NUMBERS:
        number = getattr(patient, name)
        if number is not None:
            values[name] = f"{number:g}"
    if patient.egfr_reported:
        values["egfr_ml_min"] = patient.egfr_reported  # '>60' as the record reported it
    values["sex"] = "" if patient.sex == "unknown" else patient.sex
    values["child_pugh"] = patient.child_pugh or ""
    values["cyp2c19"] = patient.cyp2c19 or ""
    for name in PATIENT_FLAGS:
        values[name] = "on" if getattr(patient, name) else ""
    for name in PATIENT_STATUSES:
        status = getattr(patient, name)
        values[name] = "" if status is None else ("yes" if status else "no")
    values["conditions"] = "\n".join(patient.conditions)
    values["allergies"] = "none" if patient.allergies == () else "\n".join(patient.allergies or ())
    lines = dict.fromkeys(m.text for m in patient.medications)
    lines.update(dict.fromkeys(n.item for n in patient.not_checked if n.kind == "medication"))
    values["medications"] = list(lines)
    return values
