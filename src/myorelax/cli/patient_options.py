"""Patient flags shared by `check` and `simulate`, and `--patient FILE`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from myorelax.errors import InputError, one_line

if TYPE_CHECKING:
    from myorelax.clinical.patient import Patient

PatientFile = Annotated[
    Path | None,
    typer.Option(
        "--patient",
        help="Patient as JSON or YAML (fields as the flags; medications as SIG texts).",
        exists=False,
        dir_okay=False,
    ),
]
Age = Annotated[float | None, typer.Option("--age", help="Age in years.")]
SexOpt = Annotated[str | None, typer.Option("--sex", help="female, male or unknown.")]
Weight = Annotated[float | None, typer.Option("--weight-kg", help="Body weight (kg).")]
Height = Annotated[float | None, typer.Option("--height-cm", help="Height (cm).")]
Scr = Annotated[float | None, typer.Option("--scr-mg-dl", help="Serum creatinine (mg/dL).")]
Crcl = Annotated[float | None, typer.Option("--crcl", help="Creatinine clearance (mL/min).")]
Egfr = Annotated[
    str | None,
    typer.Option(
        "--egfr", help="eGFR (mL/min/1.73 m2): a number, or a reported bound such as '>60'."
    ),
]
Dialysis = Annotated[bool, typer.Option("--dialysis", help="On dialysis.")]
ChildPugh = Annotated[str | None, typer.Option("--child-pugh", help="Child-Pugh class A, B or C.")]
Pregnant = Annotated[
    bool | None,
    typer.Option("--pregnant/--not-pregnant", help="Pregnancy status (leave out if not known)."),
]
Lactating = Annotated[
    bool | None,
    typer.Option(
        "--lactating/--not-lactating", help="Breastfeeding status (leave out if not known)."
    ),
]
Conditions = Annotated[
    list[str] | None, typer.Option("--condition", help="A condition (repeatable).")
]
Allergies = Annotated[
    list[str] | None,
    typer.Option(
        "--allergy",
        help="A drug or class allergy (repeatable); 'none' for no known allergies.",
    ),
]
Cyp2c19 = Annotated[
    str | None, typer.Option("--cyp2c19", help="CYP2C19 phenotype PM, IM, NM, RM or UM.")
]
Sud = Annotated[
    bool, typer.Option("--substance-use-disorder", help="History of substance use disorder.")
]
Alcohol = Annotated[bool, typer.Option("--alcohol", help="Drinks alcohol.")]
Meds = Annotated[
    list[str] | None, typer.Option("--med", help="A current medication as SIG text (repeatable).")
]


def read_patient_file(path: Path, today: date | None = None) -> dict[str, Any]:
    """A patient mapping from JSON or YAML, or a FHIR R4 Bundle read by the FHIR importer (the
    patient, their observations, conditions, allergies and current medications; draft
    MedicationRequests are not orders here: give orders with --order). `today` is the date of the
    check (default today): ages, and whether a dispense or a course is current, are taken at it."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field="--patient") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8",
                         field="--patient") from None  # fmt: skip
    if "\0" in text:
        raise InputError(f"{path} holds a NUL character; a patient file is text",
                         field="--patient")  # fmt: skip
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{path} is not valid JSON or YAML: {first}", field="--patient") from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be a patient record",
                         field="--patient") from None  # fmt: skip
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a mapping of patient fields", field="--patient")
    if "resourceType" in data:
        return _fhir_patient(data, today)
    _check_field_names(data)
    return data


def _check_field_names(data: dict[str, Any]) -> None:
    """Every key of a patient file must be a patient field (the flags' names, spelt as the
    fields: age_years for --age); an unknown one is named with the nearest accepted names."""
    import difflib

    from myorelax.clinical.patient import Patient

    fields = list(Patient.model_fields)
    for key in data:
        if key in fields:
            continue
        name = str(key)
        near = [f for f in fields if f.startswith(name.lower() + "_")] or difflib.get_close_matches(
            name.lower(), fields, n=2, cutoff=0.6
        )
        hint = (
            f"did you mean {' or '.join(near)}?"
            if near
            else f"the fields are {', '.join(fields[:-1])}"
        )
        raise InputError(f"not a patient field; {hint}", field=one_line(name, 40))


def _fhir_patient(data: dict[str, Any], today: date | None) -> dict[str, Any]:
    """Patient fields from a FHIR Bundle (or resource), through the same importer as the
    service; what the record held that could not be read comes along as not checked."""
    from myorelax.fhir.importing import record_from_fhir

    if data.get("resourceType") != "Bundle":
        raise InputError(
            f"a FHIR {data.get('resourceType')!r} is not a patient record; give a Bundle",
            field="--patient",
        )
    record = record_from_fhir(data, today=today or date.today())
    fields: dict[str, Any] = record.patient.model_dump(exclude={"medications", "not_checked"})
    fields = {k: v for k, v in fields.items() if v is not None}
    fields["medications"] = list(record.patient.medications)
    fields["not_checked"] = list(record.patient.not_checked)
    if record.patient.allergies is None:
        fields.pop("allergies", None)
    return fields


def _egfr_flag(text: str | None) -> float | str | None:
    """--egfr: a number, or a bound as laboratories report it ('>60', read by the patient
    reader); anything else is refused naming the option."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        from myorelax.clinical.inputs import egfr_bound

        if egfr_bound(text):
            return text
        raise InputError(
            f"{text!r} is not a number or a bound such as '>60'", field="--egfr"
        ) from None


def build_from_flags(
    patient_file: Path | None,
    *,
    age: float | None,
    sex: str | None,
    weight_kg: float | None,
    height_cm: float | None,
    scr_mg_dl: float | None,
    crcl: float | None,
    egfr: str | None,
    dialysis: bool,
    child_pugh: str | None,
    pregnant: bool | None,
    lactating: bool | None,
    conditions: list[str] | None,
    allergies: list[str] | None,
    cyp2c19: str | None,
    substance_use_disorder: bool,
    alcohol: bool,
    meds: list[str] | None,
    today: date | None = None,
) -> Patient:
    from myorelax.clinical.inputs import patient_from_data

    for value, option in (
        (sex, "--sex"),
        (child_pugh, "--child-pugh"),
        (cyp2c19, "--cyp2c19"),
        *((c, "--condition") for c in conditions or ()),
        *((a, "--allergy") for a in allergies or ()),
        *((m, "--med") for m in meds or ()),
    ):
        if value is not None and not value.strip():
            raise InputError("must not be empty (leave the option out instead)", field=option)
    data: dict[str, Any] = read_patient_file(patient_file, today) if patient_file else {}
    flags: dict[str, Any] = {
        "age_years": age,
        "sex": sex,
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "scr_mg_dl": scr_mg_dl,
        "crcl_ml_min": crcl,
        "egfr_ml_min": _egfr_flag(egfr),
        "child_pugh": child_pugh.upper() if child_pugh else None,
        "cyp2c19": cyp2c19.upper() if cyp2c19 else None,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    for key, on in (
        ("dialysis", dialysis),
        ("substance_use_disorder", substance_use_disorder),
        ("alcohol", alcohol),
    ):
        if on:
            data[key] = True
    for key, status in (("pregnant", pregnant), ("lactating", lactating)):
        if status is not None:
            data[key] = status
    if conditions:
        data["conditions"] = list(data.get("conditions") or []) + conditions
    if allergies:
        data["allergies"] = list(data.get("allergies") or []) + allergies
    if meds:
        data["medications"] = list(data.get("medications") or []) + meds
    return patient_from_data(data)
