"""A patient record and draft orders from FHIR R4 resources (plain dicts, no I/O).

`record_from_fhir` turns a Bundle (or any list of resources) into a domain `Patient`: age from
birthDate, sex from gender, the latest weight, height, serum creatinine and eGFR Observations
(LOINC), active Conditions mapped to the condition ids the checks know, dialysis, active
AllergyIntolerances and current MedicationRequests / MedicationStatements / MedicationDispenses
(a dispense whose supply covers the date) as `Order`s. Every derived, skipped or missing fact is
stated in `notes`; what could not be read or checked (an unreadable number, a medication in a
resource type not read, the record of a deceased patient) is a `NotChecked` item as well.
`orders_from_fhir` reads draft MedicationRequests (a CDS Hooks ``draftOrders`` Bundle) into
orders to check.

A resource that is merely incomplete or unusual is skipped with a note; only input that is not
FHIR at all (not a JSON object with a resourceType) raises `InputError`. This module reads
dicts directly (no `fhir.resources` models): it is on the CDS Hooks request path and must be fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from myorelax.clinical.inputs import NO_ALLERGIES
from myorelax.clinical.not_checked import NotChecked
from myorelax.clinical.patient import Patient, StoppedMedication, build_patient
from myorelax.clinical.regimen import Order
from myorelax.errors import InputError, PatientDataError
from myorelax.fhir.codes import (
    DIALYSIS_RECENT_DAYS,
    DISPENSE_MAX_SUPPLY_DAYS,
    DISPENSE_WINDOW_DAYS,
    IPS_ABSENT_UNKNOWN,
    IPS_NO_ALLERGY_INFO,
    IPS_NO_KNOWN_DRUG_ALLERGY,
    IPS_NO_KNOWN_OTHER_ALLERGY,
    LACTATION_STATUS_CODES,
    LOINC_BREASTFEEDING,
    LOINC_NOT_BREASTFEEDING,
    OBSERVATION_CODES,
    PREGNANCY_STATUS_LOINC,
    RXNORM,
    SMOKING_STATUS_LOINC,
    SNOMED,
    SNOMED_DIALYSIS_PROCEDURES,
    SNOMED_NO_KNOWN_DRUG_ALLERGY,
    SNOMED_NO_KNOWN_OTHER_ALLERGY,
    SNOMED_NOT_PREGNANT,
    SNOMED_PREGNANT,
    STOPPED_LOOKBACK_DAYS,
    ObservationKind,
)
from myorelax.fhir.conditions import (
    condition_of,
    is_dialysis_condition,
    is_pregnancy_condition,
)
from myorelax.fhir.index import (
    ResourceIndex,
)
from myorelax.fhir.medications import (
    medication_concept,
    read_medication,
)
from myorelax.fhir.observations import (
    ObservedValue,
    kind_name,
    latest_value,
    observation_value,
    unread_reason,
    unreadable_value,
)
from myorelax.fhir.reading import (
    SEMANTIC_TAG,
    Resource,
    codings,
    concept_text,
    date_of,
    items,
    label_of,
    mapping,
    number,
    ref_id,
    reference_of,
    resources_of,
    status_code,
    string,
    unreadable_number,
)
from myorelax.knowledge.terminology import (
    Terminology,
    default_terminology,
)
from myorelax.units import convert, ucum_factor

__all__ = [
    "DraftOrders",
    "FhirRecord",
    "orders_from_fhir",
    "record_from_fhir",
    "resources_of",
]


class FhirRecord(BaseModel):
    """What a FHIR record says about the patient, and how it was read."""

    model_config = ConfigDict(frozen=True)

    patient: Patient
    notes: tuple[str, ...] = ()
    patient_fhir_id: str | None = None
    medication_references: tuple[str | None, ...] = ()
    """``Type/id`` of the resource each of `patient.medications` came from (parallel)."""


class DraftOrders(BaseModel):
    """Draft MedicationRequests read as orders; `ids` are the MedicationRequest ids (parallel to
    `orders`: a combination product gives one order per ingredient); `not_checked` says which
    drafts could not be read (not checked)."""

    model_config = ConfigDict(frozen=True)

    orders: tuple[Order, ...] = ()
    ids: tuple[str | None, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def unrecognized(self) -> tuple[str, ...]:
        return tuple(n.item for n in self.not_checked if n.kind == "medication")


# --------------------------------------------------------------------------------------------
# The record

_CURRENT_REQUEST = frozenset({"active", "on-hold"})
_CURRENT_STATEMENT = frozenset({"active", "intended", "on-hold"})
_STOPPED = frozenset({"stopped", "completed"})
_REQUEST_INTENTS = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order", "plan"}
)
_ACTIVE_CONDITION = frozenset({"active", "recurrence", "relapse"})
_NOT_PRESENT = frozenset({"entered-in-error", "refuted"})
_MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement"})
# MedicationDispense: completed or in progress counts; these do not; any other status (preparation,
# on-hold, unknown, none) is taken as possibly current, and said.
_DISPENSE_COUNTS = frozenset({"completed", "in-progress"})
_DISPENSE_NOT = frozenset({"entered-in-error", "cancelled", "declined", "stopped"})
# Elements that carry a medication (R4, STU3, R5): a resource of another type holding one (a
# MedicationAdministration, an R5-ballot MedicationUsage) is not read, and that is said.
_MEDICATION_KEYS = ("medicationCodeableConcept", "medicationReference", "medication")


def _subject_id(r: Mapping[str, Any]) -> str | None:
    for key in ("subject", "patient"):
        ref = string(mapping(r.get(key)).get("reference"))
        if ref:
            return ref_id(ref)
    return None


def _age(birth: str, today: date) -> tuple[float | None, str]:
    """Age in whole years at `today` (for a deceased patient, the date of death), and a note."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", birth)
    if not m:
        return None, f"birthDate {birth!r} is not a date; age unknown"
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    note = f"age from birthDate {birth}"
    if month is None:
        month, day = 7, 1
        note += " (year only: taken as mid-year)"
    elif day is None:
        day = 15
        note += " (no day: taken as mid-month)"
    age = today.year - year - ((today.month, today.day) < (month, day))
    if age < 0:
        return None, f"birthDate {birth} is after {today.isoformat()}; age unknown"
    return float(age), f"age {age} years {note.removeprefix('age ')}"


def _demographics(
    person: Mapping[str, Any] | None,
    today: date,
    notes: list[str],
    not_checked: list[NotChecked],
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if person is None:
        notes.append("no Patient resource: age and sex unknown")
        not_checked.append(
            NotChecked(
                kind="patient_fact",
                item="Patient",
                reason="missing_patient",
                detail="the record holds no Patient resource: age and sex unknown; the checks "
                "that need them were not made",
            )
        )
        return data
    died, death_said = _death(person, today, notes)
    birth = string(person.get("birthDate"))
    if birth:
        age, note = _age(birth, died or today)
        if died is not None and age is not None:
            note += f", at the date of death {died.isoformat()}"
        notes.append(note)
        if age is not None:
            data["age_years"] = age
    else:
        notes.append("no birthDate: age unknown")
    gender = string(person.get("gender"))
    data["sex"] = gender if gender in ("female", "male") else "unknown"
    if data["sex"] == "unknown":
        notes.append(f"gender {gender or 'missing'}: sex unknown")
    if death_said is not None:
        age_text = (
            f"age {data['age_years']:g} is the age at death"
            if died is not None and "age_years" in data
            else f"the date of death is not recorded; age is at {today.isoformat()}"
            if died is None
            else "age unknown"
        )
        not_checked.append(
            NotChecked(
                kind="patient_fact",
                item="deceased patient",
                reason="deceased_patient",
                detail=f"the record is of a deceased patient ({death_said}; {age_text}): the "
                "checks ran as for a living patient, on the medications the record still lists",
            )
        )
    return data


def _death(
    person: Mapping[str, Any], today: date, notes: list[str]
) -> tuple[date | None, str | None]:
    """(date of death when it is on or before `today`, what the record says of the death) of a
    deceased Patient; (None, None) for a living one. A death recorded after `today` leaves the
    patient alive at the date checked (a note)."""
    when_text = string(person.get("deceasedDateTime"))
    if not when_text and person.get("deceasedBoolean") is not True:
        return None, None
    died = date_of(when_text)
    if when_text and died is None:
        notes.append(
            f"the Patient is recorded as deceased (deceasedDateTime {when_text!r}, not a date)"
        )
        return None, f"deceasedDateTime {when_text!r}, not a date"
    if died is None:
        notes.append("the Patient is recorded as deceased (deceasedBoolean; no date)")
        return None, "deceasedBoolean true"
    if died > today:
        notes.append(
            f"the Patient is recorded as deceased on {died.isoformat()}, after "
            f"{today.isoformat()}: alive at the date checked"
        )
        return None, None
    notes.append(f"the Patient is recorded as deceased on {died.isoformat()}")
    return died, f"died {died.isoformat()}, by its deceasedDateTime"


class _Record:
    """Reads the resources about one patient, collecting facts and notes."""

    def __init__(self, index: ResourceIndex, today: date) -> None:
        self.term = index.term
        self.index = index
        self.today = today
        self.notes: list[str] = []
        self.values: dict[ObservationKind, list[ObservedValue]] = {}
        self.conditions: list[str] = []
        self.smoking: list[tuple[date, int, Resource]] = []
        self.dialysis: list[str] = []
        self.pregnancy: list[str] = []  # active pregnancy Conditions
        self.pregnancy_status: list[tuple[date, int, Resource]] = []
        self.lactation_status: list[tuple[date, int, Resource]] = []
        self.allergies: list[str] = []
        self.orders: list[Order] = []
        self.order_refs: list[str | None] = []
        self.not_checked: list[NotChecked] = []
        self.allergy_resources = 0
        self.skipped: dict[str, int] = {}
        self.dispenses: list[Resource] = []
        self.stopped: list[StoppedMedication] = []
        self.unread: dict[tuple[str, str], int] = {}

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def read(self, r: Resource, position: int) -> None:
        rt = r.get("resourceType")
        if rt == "Observation":
            self.observation(r, position)
        elif rt == "Condition":
            self.condition(r)
        elif rt == "Procedure":
            self.procedure(r)
        elif rt == "AllergyIntolerance":
            none_known = _no_known_allergy(r)
            if none_known == "drug":
                # 'no known (drug) allergy': recorded, and none (unless withdrawn)
                withdrawn = status_code(r.get("verificationStatus")) in _NOT_PRESENT or (
                    status_code(r.get("clinicalStatus")) in ("inactive", "resolved")
                )
                self.allergy_resources += 0 if withdrawn else 1
            elif none_known is None:
                self.allergy_resources += 1
                allergies, problem = _allergy(r, self.index)
                if problem:
                    self.notes.append(problem)
                for allergy in allergies:
                    if allergy not in self.allergies:
                        self.allergies.append(allergy)
        elif rt in _MEDICATION_TYPES:
            self.medication(r)
        elif rt == "MedicationDispense":
            self.dispenses.append(r)  # read after the requests and statements (see `dispense`)
        elif rt != "Medication" and any(k in r for k in _MEDICATION_KEYS):
            self.unread_medication(r)

    def observation(self, r: Resource, position: int) -> None:
        if status_code(r.get("status")) in ("entered-in-error", "cancelled"):
            return
        codes = {string(c.get("code")) for c in codings(r.get("code"))}
        if codes & SMOKING_STATUS_LOINC and r.get("valueCodeableConcept"):
            when = date_of(r.get("effectiveDateTime")) or date_of(r.get("issued"))
            if when is None or when <= self.today:
                self.smoking.append((when or date.min, position, r))
            return
        if codes & LACTATION_STATUS_CODES:
            when = date_of(r.get("effectiveDateTime")) or date_of(r.get("issued"))
            if when is None or when <= self.today:
                self.lactation_status.append((when or date.min, position, r))
            return
        if codes & PREGNANCY_STATUS_LOINC and r.get("valueCodeableConcept"):
            when = date_of(r.get("effectiveDateTime")) or date_of(r.get("issued"))
            if when is None or when <= self.today:
                self.pregnancy_status.append((when or date.min, position, r))
            return
        for c in codings(r.get("code")):
            kind = OBSERVATION_CODES.get(string(c.get("code")) or "")
            if kind is None:
                continue
            problem = unreadable_value(r)
            if problem is not None:
                self.unread_value(kind, problem)
                return
            v = observation_value(r, kind, position)
            if v is None:
                self.unread_value(kind, unread_reason(r))
            elif v.when is not None and v.when > self.today:
                self.skip(f"Observation(s) dated after {self.today.isoformat()}")
            else:
                self.values.setdefault(kind, []).append(v)
            return

    def unread_value(self, kind: ObservationKind, problem: str) -> None:
        """An Observation of a kind the check uses whose value could not be read: said."""
        self.notes.append(f"{problem}; not used")
        self.not_checked.append(
            NotChecked(
                kind="patient_fact",
                item=kind_name(kind),
                reason="unreadable_value",
                detail=f"{problem}: that {kind_name(kind)} was not used (an earlier one, if "
                "any, was)",
            )
        )

    def pregnancy_state(self) -> bool | None:
        """Pregnant (True), not pregnant (False) or not recorded (None): the latest pregnancy
        status Observation, else an active pregnancy Condition; said in the notes."""
        if self.pregnancy_status:
            _when, _pos, r = max(self.pregnancy_status, key=lambda x: (x[0], x[1]))
            values = {string(c.get("code")) for c in codings(r.get("valueCodeableConcept"))}
            shown = concept_text(r.get("valueCodeableConcept")) or "(no value)"
            if values & SNOMED_PREGNANT:
                self.notes.append(f"pregnant: the latest pregnancy status is {shown}")
                return True
            if values & SNOMED_NOT_PREGNANT and not self.pregnancy:
                self.notes.append(f"not pregnant: the latest pregnancy status is {shown}")
                return False
            if values & SNOMED_NOT_PREGNANT:
                # An active pregnancy Condition against a 'not pregnant' status: the pregnancy
                # is kept (the conservative reading), and the disagreement said.
                self.notes.append(
                    f"the latest pregnancy status is {shown}, but "
                    + "; ".join(self.pregnancy)
                    + ": read as pregnant"
                )
                return True
            self.notes.append(f"pregnancy status {shown} not read")
        if self.pregnancy:
            self.notes += self.pregnancy
            return True
        return None

    def lactation_state(self) -> bool | None:
        """Breastfeeding (True), not (False) or not recorded (None): the latest breastfeeding
        status Observation; a value that is neither is said and not used."""
        if not self.lactation_status:
            return None
        _when, _pos, r = max(self.lactation_status, key=lambda x: (x[0], x[1]))
        flag = r.get("valueBoolean")
        concept = r.get("valueCodeableConcept")
        values = {string(c.get("code")) for c in codings(concept)}
        shown = concept_text(concept) or (str(flag).lower() if isinstance(flag, bool) else "")
        if flag is True or values & LOINC_BREASTFEEDING:
            self.notes.append(f"breastfeeding: the latest breastfeeding status is {shown}")
            return True
        if flag is False or values & LOINC_NOT_BREASTFEEDING:
            self.notes.append(f"not breastfeeding: the latest breastfeeding status is {shown}")
            return False
        self.notes.append(
            f"breastfeeding status {shown or '(no value)'} not read: breastfeeding is taken as "
            "not recorded"
        )
        return None

    def smoking_status(self) -> None:
        """The latest tobacco smoking status Observation, as a condition when its value maps to
        one (a current smoker); a never or former smoker adds nothing."""
        if not self.smoking:
            return
        _when, _pos, r = max(self.smoking, key=lambda x: (x[0], x[1]))
        shown = concept_text(r.get("valueCodeableConcept")) or "(no value)"
        cid, how = condition_of(r.get("valueCodeableConcept"), self.index.conditions)
        if cid is not None and cid not in self.conditions:
            self.conditions.append(cid)
            self.notes.append(f"Smoking status {shown}: {cid} (by {how})")

    def condition(self, r: Resource) -> None:
        shown = concept_text(r.get("code")) or "(no code)"
        verification = status_code(r.get("verificationStatus"))
        if verification in _NOT_PRESENT:
            self.notes.append(f"{label_of(r)} {shown}: {verification}; ignored")
            return
        clinical = status_code(r.get("clinicalStatus"))
        abated = any(k.startswith("abatement") for k in r)
        if clinical not in _ACTIVE_CONDITION and not (clinical is None and not abated):
            self.skip("resolved or inactive Condition(s)")
            return
        if is_dialysis_condition(r.get("code")):
            self.dialysis.append(f"dialysis from {label_of(r)} {shown}")
        if is_pregnancy_condition(r.get("code")):
            onset = date_of(r.get("onsetDateTime")) or date_of(r.get("recordedDate"))
            since = f" (since {onset.isoformat()})" if onset else ""
            self.pregnancy.append(f"pregnant: {label_of(r)} {shown} is active{since}")
            return
        cid, how = condition_of(r.get("code"), self.index.conditions)
        if cid is None:
            self.notes.append(f"Condition {shown}: not a condition the checks use")
        elif cid not in self.conditions:
            self.conditions.append(cid)
            self.notes.append(f"Condition {shown}: {cid} (by {how})")

    def procedure(self, r: Resource) -> None:
        codes = {string(c.get("code")) for c in codings(r.get("code"))}
        if not codes & SNOMED_DIALYSIS_PROCEDURES:
            return
        if status_code(r.get("status")) not in ("completed", "in-progress", None):
            return
        period = mapping(r.get("performedPeriod"))
        when = (
            date_of(r.get("performedDateTime"))
            or date_of(period.get("end"))
            or date_of(period.get("start"))
        )
        if when is None:
            return
        shown = concept_text(r.get("code")) or "dialysis"
        if 0 <= (self.today - when).days <= DIALYSIS_RECENT_DAYS:
            self.dialysis.append(f"dialysis from Procedure {shown} on {when.isoformat()}")
        else:
            self.notes.append(
                f"Procedure {shown} on {when.isoformat()} is more than "
                f"{DIALYSIS_RECENT_DAYS} days old; not read as on dialysis"
            )

    def medication(self, r: Resource) -> None:
        rt = str(r.get("resourceType"))
        status = status_code(r.get("status"))
        current = _CURRENT_STATEMENT if rt == "MedicationStatement" else _CURRENT_REQUEST
        intent = status_code(r.get("intent"))
        if status not in current:
            if not (status in _STOPPED and self.stopped_medication(r, status)):
                self.skip(f"{rt} {status or 'without status'} (not current)")
            return
        if rt == "MedicationRequest" and intent and intent not in _REQUEST_INTENTS:
            self.skip(f"{rt} of intent {intent}")
            return
        if r.get("doNotPerform") is True:
            self.skip(f"{rt} marked do-not-perform")
            return
        read = read_medication(r, self.index)
        self.notes += read.notes
        if status == "on-hold":
            self.notes.append(f"{label_of(r)} is on hold; checked as current")
        self.not_checked += [n for n in read.not_checked if n not in self.not_checked]
        for order in read.orders:
            if any((o.drug, o.text) == (order.drug, order.text) for o in self.orders):
                self.notes.append(
                    f"{label_of(r)} repeats a current {order.drug} order; counted once"
                )
                continue
            self.orders.append(order)
            self.order_refs.append(reference_of(r))

    def stopped_medication(self, r: Resource, status: str) -> bool:
        """A request or statement stopped or completed recently, kept (not as a current
        medication) for the interactions that outlast the last dose; whether it was kept. Its
        stop date is the end of its effective, validity or bounds period; without one, the
        medication is kept when last dated within the look-back, its stop date unknown."""
        end = _stop_date(r)
        last = end or _last_dated(r)
        if last is None or (self.today - last).days > STOPPED_LOOKBACK_DAYS:
            return False
        read = read_medication(r, self.index)
        if not read.orders:
            return False
        stopped_on = end if end is not None and end <= self.today else None
        when = f"on {stopped_on.isoformat()}" if stopped_on else "on a date not recorded"
        self.notes.append(
            f"{label_of(r)}: {status} {when}; not a current medication, kept for the "
            "interactions that outlast the last dose"
        )
        for order in read.orders:
            self.stopped.append(StoppedMedication(order=order, stopped_on=stopped_on))
        return True

    def dispense(self, r: Resource) -> None:
        """A MedicationDispense as a current medication when its supply covers the date: handed
        over (or prepared) on or before it, and its days' supply not run out. One without a days'
        supply (or without a date, or of an unsettled status) is taken as possibly current, and
        that is said (a note and a not-checked item); a dispense of a drug a current request or
        statement already gives is counted once."""
        label = label_of(r)
        status = status_code(r.get("status"))
        if status in _DISPENSE_NOT:
            self.skip(f"MedicationDispense {status} (not current)")
            return
        doubts: list[str] = []
        if status not in _DISPENSE_COUNTS:
            doubts.append(f"status {status or 'not given'}")
        handed = date_of(r.get("whenHandedOver"))
        handed_field = "whenHandedOver"
        if handed is None:
            handed, handed_field = date_of(r.get("whenPrepared")), "whenPrepared"
        days, supply_problem = _supply_days(r, label)
        if supply_problem is not None:
            self.notes.append(supply_problem)
        if handed is not None and handed > self.today:
            self.skip(f"MedicationDispense(s) dated after {self.today.isoformat()}")
            return
        if handed is None:
            doubts.append("no date it was handed over")
        elif days is not None:
            end = handed + timedelta(days=math.ceil(days))
            if end < self.today:
                self.skip(f"MedicationDispense(s) whose supply ran out before {self.today}")
                return
            self.notes.append(
                f"{label}: {handed_field} {handed.isoformat()}, {days:g} days' supply (to "
                f"{end.isoformat()}): a current medication"
            )
        else:
            age = (self.today - handed).days
            if age > DISPENSE_WINDOW_DAYS:
                self.skip(
                    f"MedicationDispense(s) without a days' supply handed over more than "
                    f"{DISPENSE_WINDOW_DAYS} days before {self.today.isoformat()}"
                )
                return
            doubts.append(
                f"{handed_field} {handed.isoformat()} ({age} days before "
                f"{self.today.isoformat()}) without a readable days' supply"
            )
        read = read_medication(r, self.index)
        drugs = {o.drug for o in read.orders}
        given = {o.drug: ref for o, ref in zip(self.orders, self.order_refs, strict=True)}
        if drugs and drugs <= set(given):
            self.notes.append(
                f"{label} dispenses what {given[next(iter(drugs))] or 'another resource'} "
                "already gives as current; counted once"
            )
            return
        self.notes += read.notes
        self.not_checked += [n for n in read.not_checked if n not in self.not_checked]
        if doubts and read.orders:
            shown = ", ".join(dict.fromkeys(o.drug_name.lower() for o in read.orders))
            why = "; ".join(doubts)
            self.notes.append(f"{label}: {why}; possibly current, checked as current")
            self.not_checked.append(
                NotChecked(
                    kind="medication",
                    item=shown,
                    reason="possibly_current",
                    detail=f"{label} ({shown}): {why}; whether it is still taken could not be "
                    "told, so it was checked as a current medication",
                )
            )
        for order in read.orders:
            self.orders.append(order)
            self.order_refs.append(reference_of(r))

    def unread_medication(self, r: Resource) -> None:
        """A medication in a resource of a type that is not read (a MedicationAdministration):
        never dropped, a not-checked item per type and medication (see `unread_items`)."""
        if status_code(r.get("status")) == "entered-in-error":
            return
        concept, _problem = medication_concept(r, self.index)
        shown = concept_text(concept) or "a medication"
        key = (str(r.get("resourceType")), shown)
        self.unread[key] = self.unread.get(key, 0) + 1

    def unread_items(self) -> None:
        for (rt, shown), n in self.unread.items():
            many = f"{n} {rt} resources" if n > 1 else f"a {rt}"
            self.notes.append(f"{many} of {shown}: {rt} is not read; not checked")
            self.not_checked.append(
                NotChecked(
                    kind="medication",
                    item=shown,
                    reason="unread_resource",
                    detail=f"{shown!r} ({many}): {rt} resources are not read here, so its "
                    "interactions were not checked; check them by hand if it is still given",
                )
            )

    def measurements(self) -> dict[str, Any]:
        """Weight, height, creatinine and eGFR (the latest of each), dialysis, with notes. An
        eGFR older than the latest creatinine is left for the checks to recompute."""
        data: dict[str, Any] = {}
        fields = {"weight": "weight_kg", "height": "height_cm", "creatinine": "scr_mg_dl"}
        latest: dict[ObservationKind, ObservedValue] = {}
        kinds: tuple[ObservationKind, ...] = ("weight", "height", "creatinine", "egfr")
        for kind in kinds:
            if self.values.get(kind):
                best, text = latest_value(self.values[kind], self.today)
                latest[kind] = best
                self.notes.append(text)
                if kind in fields:
                    data[fields[kind]] = _rounded(best, 3)
        if "egfr" in latest:
            egfr, scr = latest["egfr"], latest.get("creatinine")
            if scr and scr.when and egfr.when and egfr.when < scr.when:
                self.notes.append(
                    "the eGFR is older than the latest serum creatinine; eGFR is recomputed "
                    "from the creatinine"
                )
            else:
                data["egfr_ml_min"] = _rounded(egfr, 1)
                if egfr.comparator in ("<", "<=", ">", ">="):
                    data["egfr_reported"] = f"{egfr.comparator}{round(egfr.value, 1):g}"
        if self.dialysis:
            data["dialysis"] = True
            self.notes += self.dialysis
        elif "creatinine" not in latest and "egfr" not in latest:
            self.notes.append("no kidney function in the record")
        return data


def record_from_fhir(
    resources: Any,
    *,
    today: date | None = None,
    patient_id: str | None = None,
    terminology: Terminology | None = None,
) -> FhirRecord:
    """The patient a FHIR record describes (see the module docstring); `patient_id` picks the
    Patient (and the resources about them) when the record holds more than one. Drugs and
    conditions are read with `terminology` (default: that of the knowledge base in use)."""
    term = terminology or default_terminology()
    today = today or date.today()
    items = resources_of(resources)
    notes: list[str] = []
    wanted = ref_id(patient_id) if patient_id else None
    patients = [r for r in items if r.get("resourceType") == "Patient"]
    if wanted:
        patients = [p for p in patients if p.get("id") == wanted]
    person = patients[0] if patients else None
    if len(patients) > 1:
        notes.append(f"{len(patients)} Patient resources; {label_of(person or {})} was used")
    pid = wanted or (string(person.get("id")) if person else None)
    unchecked: list[NotChecked] = []
    data = _demographics(person, today, notes, unchecked)
    older = _older_version_signs(items)
    if older:
        notes.append(
            f"the record looks like an older FHIR version than R4 ({'; '.join(older)}): it was "
            "read as R4, with the STU3 forms this reader knows"
        )

    rec = _Record(ResourceIndex(items, term), today)
    rec.notes = notes
    rec.not_checked = unchecked
    for i, r in enumerate(items):
        if r.get("resourceType") in ("Patient", "Bundle"):
            continue
        subject = _subject_id(r)
        if pid and subject and subject != pid:
            rec.skip("resource(s) about another patient")
            continue
        rec.read(r, i)
    # The latest dispense of a drug first: it says whether the drug is taken now.
    for r in sorted(rec.dispenses, key=_handed_over, reverse=True):
        rec.dispense(r)
    rec.unread_items()
    data.update(rec.measurements())
    rec.smoking_status()
    pregnant = rec.pregnancy_state()
    band = term.kb.patient_states.pregnancy_possible
    age = data.get("age_years")
    outside = isinstance(age, int | float) and not (
        convert(band.from_age.lower, band.from_age.unit, "year")
        <= age
        <= convert(band.through_age.upper, band.through_age.unit, "year")
    )
    if pregnant and (data.get("sex") == "male" or outside):
        # A pregnancy the record cannot mean (a stale Condition never resolved): said, not used.
        who = "recorded as male" if data.get("sex") == "male" else f"aged {age:g}"
        notes.append(f"a pregnancy is recorded for a patient {who}; not used")
    elif pregnant is not None:
        data["pregnant"] = pregnant
    lactating = rec.lactation_state()
    if lactating and data.get("sex") == "male":
        notes.append("breastfeeding is recorded for a patient recorded as male; not used")
    elif lactating is not None:
        data["lactating"] = lactating
    for what, n in sorted(rec.skipped.items()):
        notes.append(f"{n} {what} not used")

    data.update(
        conditions=tuple(rec.conditions),
        # No AllergyIntolerance in the record is "not recorded", not "no known allergies".
        allergies=tuple(rec.allergies) if rec.allergy_resources else None,
        medications=tuple(rec.orders),
        stopped_medications=tuple(rec.stopped),
        not_checked=tuple(rec.not_checked),
    )
    patient = _build(data, notes)
    return FhirRecord(
        patient=patient,
        notes=tuple(notes),
        patient_fhir_id=pid,
        medication_references=tuple(rec.order_refs),
    )


def _older_version_signs(resources: Sequence[Mapping[str, Any]]) -> list[str]:
    """Elements that exist only before R4 (STU3 or DSTU2), one example each: a status given
    as a code string where R4 has a CodeableConcept, MedicationStatement.taken,
    MedicationRequest.context, a dose on the Dosage itself, a MedicationOrder."""
    signs: dict[str, str] = {}
    for r in resources:
        rt = r.get("resourceType")
        if rt == "MedicationOrder":
            signs.setdefault("MedicationOrder", "MedicationOrder (DSTU2)")
        if rt in ("Condition", "AllergyIntolerance"):
            for key in ("clinicalStatus", "verificationStatus"):
                if isinstance(r.get(key), str):
                    signs.setdefault(key, f"{rt}.{key} as a code")
        if rt == "MedicationStatement" and "taken" in r:
            signs.setdefault("taken", "MedicationStatement.taken")
        if rt == "MedicationRequest" and "context" in r:
            signs.setdefault("context", "MedicationRequest.context")
        dosages = [*items(r.get("dosageInstruction")), *items(r.get("dosage"))]
        if any("doseQuantity" in mapping(d) or "doseRange" in mapping(d) for d in dosages):
            signs.setdefault("dose", f"{rt}: a dose on the Dosage itself")
    return list(signs.values())


def _stop_date(r: Mapping[str, Any]) -> date | None:
    """When a stopped or completed request or statement ended: effectivePeriod.end (statement),
    dispenseRequest.validityPeriod.end or a dosage's boundsPeriod.end (request), the latest."""
    ends = [date_of(mapping(r.get("effectivePeriod")).get("end"))]
    ends.append(
        date_of(mapping(mapping(r.get("dispenseRequest")).get("validityPeriod")).get("end"))
    )
    for d in items(r.get("dosageInstruction")) + items(r.get("dosage")):
        repeat = mapping(mapping(mapping(d).get("timing")).get("repeat"))
        ends.append(date_of(mapping(repeat.get("boundsPeriod")).get("end")))
    known = [e for e in ends if e is not None]
    return max(known) if known else None


def _last_dated(r: Mapping[str, Any]) -> date | None:
    """The latest date a request or statement carries (written, started, asserted)."""
    dates = [date_of(r.get(k)) for k in ("authoredOn", "effectiveDateTime", "dateAsserted")] + [
        date_of(mapping(r.get("effectivePeriod")).get("start"))
    ]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _handed_over(r: Mapping[str, Any]) -> date:
    return date_of(r.get("whenHandedOver")) or date_of(r.get("whenPrepared")) or date.min


def _supply_days(r: Mapping[str, Any], label: str) -> tuple[float | None, str | None]:
    """The days' supply of a MedicationDispense in days, or None, and a note when it is given
    but not read (a unit not known, an unreadable or impossible number)."""
    supply = mapping(r.get("daysSupply"))
    if not supply:
        return None, None
    raw = supply.get("value")
    value = number(raw)
    unit = (string(supply.get("code")) or string(supply.get("unit")) or "d").lower()
    factor = ucum_factor(unit, "day")  # the one unit registry: d, wk, mo, ...
    if unreadable_number(raw):
        return (
            None,
            f"{label}: daysSupply value {raw!r} (daysSupply.value) is not a readable number",
        )
    if value is None or value <= 0 or factor is None:
        return None, f"{label}: daysSupply {raw!r} {unit} not read"
    if value * factor > DISPENSE_MAX_SUPPLY_DAYS:
        return None, (
            f"{label}: daysSupply value {raw!r} {unit} (daysSupply.value) is not a readable "
            f"number of days (more than {DISPENSE_MAX_SUPPLY_DAYS})"
        )
    return value * factor, None


_OPTIONAL = ("age_years", "weight_kg", "height_cm", "scr_mg_dl", "egfr_ml_min")


def _build(data: dict[str, Any], notes: list[str]) -> Patient:
    """The Patient; an impossible value from the record (weight 0, age 200) is dropped with a
    note rather than failing the whole record."""
    for _ in range(len(_OPTIONAL) + 1):
        try:
            return build_patient(data)
        except PatientDataError as exc:
            name = (exc.field or "").split(".")[0]
            if name not in data or name not in _OPTIONAL:
                raise
            notes.append(f"{name} {data.pop(name)!r} from the record not used: {exc.message}")
    return build_patient(data)


_ALLERGY_PREFIX = re.compile(r"^(?:allergy|allergic reaction|hypersensitivity) to\s+", re.I)


_NO_KNOWN_OTHER = re.compile(
    r"^no known (?:food|environmental|insect|animal|latex|contact)\b.*allerg", re.I
)


def _rounded(v: ObservedValue, digits: int) -> float:
    """A value as the patient record keeps it; one reported as below a bound ('<15') keeps the
    value just under the bound, which rounding would lift back to it."""
    return v.value if v.comparator == "<" else round(v.value, digits)


def _no_known_allergy(r: Mapping[str, Any]) -> str | None:
    """'drug' for an AllergyIntolerance that records no known (drug) allergy (SNOMED CT, the IPS
    absent-unknown codes, or 'NKDA' as text), 'other' for one that says so of food, insects or
    the like (nothing about drugs) or that no information exists, else None (a substance)."""
    code = r.get("code")
    for c in codings(code):
        system, value = string(c.get("system")), string(c.get("code"))
        if system == SNOMED and value in SNOMED_NO_KNOWN_DRUG_ALLERGY:
            return "drug"
        if system == SNOMED and value in SNOMED_NO_KNOWN_OTHER_ALLERGY:
            return "other"
        if system == IPS_ABSENT_UNKNOWN and value in IPS_NO_KNOWN_DRUG_ALLERGY:
            return "drug"
        if system == IPS_ABSENT_UNKNOWN and (
            value in IPS_NO_KNOWN_OTHER_ALLERGY or value == IPS_NO_ALLERGY_INFO
        ):
            return "other"
    texts = [string(mapping(code).get("text"))] + [string(c.get("display")) for c in codings(code)]
    for text in texts:
        bare = SEMANTIC_TAG.sub("", text or "").strip().lower()
        if bare in NO_ALLERGIES:
            return "drug"
        if _NO_KNOWN_OTHER.match(bare):
            return "other"
    return None


def _allergy(r: Mapping[str, Any], index: ResourceIndex) -> tuple[list[str], str | None]:
    """The drugs or classes an AllergyIntolerance names (every ingredient of a combination
    product), and what to say when it cannot be read."""
    label = label_of(r)
    code = r.get("code")
    shown = concept_text(code) or "(no substance)"
    clinical = status_code(r.get("clinicalStatus"))
    verification = status_code(r.get("verificationStatus"))
    if verification in _NOT_PRESENT or clinical in ("inactive", "resolved"):
        return [], None
    categories = {c for c in items(r.get("category")) if isinstance(c, str)}
    if categories and not categories & {"medication", "biologic"}:
        kinds = "/".join(sorted(categories))
        return [], f"{label}: {kinds} allergy ({shown}); not a drug, not checked"
    for c in codings(code):
        value = string(c.get("code"))
        if value and value.isdigit() and string(c.get("system")) == RXNORM:
            try:
                match = index.term.resolve_code(value)
            except InputError:
                continue
            return [m.ingredient.id for m in match.ingredients], None
    texts = [string(mapping(code).get("text"))] + [string(c.get("display")) for c in codings(code)]
    groups = index.conditions.groups
    for text in texts:
        if not text:
            continue
        bare = _ALLERGY_PREFIX.sub("", SEMANTIC_TAG.sub("", text)).strip()
        try:
            found = index.term.resolve_medication(bare)
        except InputError:
            found = None
        # A class ('benzodiazepines') stays the class, not the stand-in a medication list's
        # 'benzo' is read as: an allergy to the class covers every member.
        if found is not None and not any(
            "class_stand_in" in m.ingredient.flags for m in found.ingredients
        ):
            return [m.ingredient.id for m in found.ingredients], None
        key = bare.lower().replace(" ", "_").replace("-", "_")
        if key in groups:
            return [key], None
    if shown == "(no substance)":
        return [], f"{label}: no substance; not checked"
    return [shown], None


def orders_from_fhir(
    resources: Any,
    *,
    field: str = "draftOrders",
    terminology: Terminology | None = None,
    referenced: Sequence[Mapping[str, Any]] = (),
) -> DraftOrders:
    """Draft MedicationRequests (e.g. CDS Hooks ``draftOrders``) as orders to check. A drug not
    known here is returned in `unrecognized` (to say it was not checked), not raised.
    `referenced` holds resources the orders may point at from elsewhere in the request (the
    Medication of a `medicationReference`, prefetched or fetched)."""
    items = resources_of(resources, field=field)
    index = ResourceIndex(
        [*items, *(dict(r) for r in referenced)], terminology or default_terminology()
    )
    orders: list[Order] = []
    ids: list[str | None] = []
    unknown: list[NotChecked] = []
    notes: list[str] = []
    for r in items:
        rt = r.get("resourceType")
        if rt not in _MEDICATION_TYPES:
            if rt != "Medication":
                notes.append(f"{label_of(r)}: not a medication order; ignored")
            continue
        status = status_code(r.get("status"))
        if status in ("entered-in-error", "cancelled", "stopped", "completed"):
            notes.append(f"{label_of(r)}: status {status}; not checked")
            continue
        if r.get("doNotPerform") is True:
            notes.append(f"{label_of(r)}: do not perform; not checked")
            continue
        read = read_medication(r, index)
        notes += read.notes
        unknown += read.not_checked
        for order in read.orders:
            orders.append(order)
            ids.append(string(r.get("id")))
    return DraftOrders(
        orders=tuple(orders), ids=tuple(ids), not_checked=tuple(unknown), notes=tuple(notes)
    )
