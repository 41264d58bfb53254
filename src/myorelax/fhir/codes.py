"""Code systems and the codes the FHIR adapter reads: LOINC observations and the dialysis
codes. The SNOMED CT and ICD-10-CM codes of conditions are knowledge (`conditions.yaml`), read
through `knowledge.terminology.condition_by_code`.

Every code here was checked against public terminology material (LOINC and SNOMED CT value
sets, ICD-10-CM code lists). These are terminology, not clinical facts.
"""

from __future__ import annotations

from typing import Literal

from myorelax.clinical.lab_codes import KIDNEY_LOINC

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_SYSTEMS = frozenset({ICD10_CM, ICD10})
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/ndc", "urn:oid:2.16.840.1.113883.6.69"})
UCUM = "http://unitsofmeasure.org"
ALERT_SYSTEM = "urn:myorelax:alert"

ObservationKind = Literal["weight", "height", "creatinine", "egfr"]

# LOINC codes of the observations the importer reads (the kidney tests are shared with the
# screening: `clinical.lab_codes`).
OBSERVATION_CODES: dict[str, ObservationKind] = {
    "29463-7": "weight",  # Body weight
    "8302-2": "height",  # Body height
    **{code: kind for code, (kind, _name) in KIDNEY_LOINC.items()},
}

# Tobacco smoking status (US Core smoking status profile): the latest one's SNOMED CT value maps
# to a condition through conditions.yaml (e.g. 449868002 Smokes tobacco daily: tobacco_smoking).
SMOKING_STATUS_LOINC = frozenset({"72166-2"})  # Tobacco smoking status

# Dialysis: a Condition saying the patient depends on it, or a recent dialysis Procedure.
SNOMED_DIALYSIS_CONDITIONS = frozenset({"714152005"})  # CKD stage 5 on dialysis
ICD10_DIALYSIS_PREFIXES = ("Z992",)  # Dependence on renal dialysis
SNOMED_DIALYSIS_PROCEDURES = frozenset(
    {
        "265764009",  # Renal dialysis (procedure)
        "302497006",  # Hemodialysis (procedure)
    }
)
DIALYSIS_RECENT_DAYS = 30

# Pregnancy is a patient state (the pregnancy statements apply), not a condition of
# conditions.yaml: an active Condition with one of these codes records the patient as pregnant,
# and so does the latest pregnancy status Observation (LOINC 82810-3) valued "Pregnant"; valued
# "Not pregnant" it records the patient as not pregnant.
SNOMED_PREGNANCY_CONDITIONS = frozenset(
    {
        "77386006",  # Pregnancy (finding)
        "72892002",  # Normal pregnancy (finding)
        "79586000",  # Tubal pregnancy (disorder)
    }
)
ICD10_PREGNANCY_PREFIXES = ("Z33", "Z34", "Z3A")  # Pregnant state; supervision of normal
# pregnancy; weeks of gestation
PREGNANCY_STATUS_LOINC = frozenset({"82810-3"})  # Pregnancy status
SNOMED_PREGNANT = frozenset({"77386006"})  # Pregnancy (finding), the status "Pregnant"
SNOMED_NOT_PREGNANT = frozenset({"60001007"})  # Not pregnant (finding)

# Breastfeeding is a patient state as well (the lactation statements apply): the latest
# breastfeeding status Observation, coded LOINC 63895-7 "Breastfeeding status" or SNOMED CT
# 413712001 "Breastfeeding (mother) (observable entity)" (both used by published FHIR IGs, e.g.
# the German ISiK and KBV profiles), valued with the LOINC answers "Currently breastfeeding" /
# "Not currently breastfeeding" or with a boolean.
LACTATION_STATUS_CODES = frozenset({"63895-7", "413712001"})
LOINC_BREASTFEEDING = frozenset({"LA29252-6"})  # Currently breastfeeding
LOINC_NOT_BREASTFEEDING = frozenset({"LA29253-4"})  # Not currently breastfeeding

SEVERITY_OF_ALERT: dict[str, str] = {
    "contraindicated": "high",
    "major": "high",
    "moderate": "moderate",
    "minor": "low",
}

# A MedicationDispense without a days' supply handed over within this many days is taken as
# possibly current (and said so); one handed over earlier is not a current medication.
DISPENSE_WINDOW_DAYS = 90
# A MedicationRequest/Statement stopped or completed within this many days (or, its stop date not
# recorded, last dated within them) is kept as a recently stopped medication, for interactions
# that outlast the last dose (the knowledge's `washout`, at most 14 days today; a test holds every
# washout within this window).
STOPPED_LOOKBACK_DAYS = 90
# A days' supply beyond this is not a readable one (a broken number), not a ten-year supply.
DISPENSE_MAX_SUPPLY_DAYS = 3650

# "No known allergy" recorded as an AllergyIntolerance (the FHIR examples 'nka' and 'nkda', the
# IPS and CH value sets of absent allergies): a record that the patient has none, not a
# substance. The codes saying the same of non-drug allergies say nothing about drugs.
SNOMED_NO_KNOWN_DRUG_ALLERGY = frozenset(
    {
        "716186003",  # No known allergy (situation)
        "409137002",  # No known drug allergy (situation)
    }
)
SNOMED_NO_KNOWN_OTHER_ALLERGY = frozenset({"716220001"})  # No known animal allergy (situation)
# The IPS code system of absent and unknown data: its allergy codes.
IPS_ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
IPS_NO_KNOWN_DRUG_ALLERGY = frozenset({"no-known-allergies", "no-known-medication-allergies"})
IPS_NO_KNOWN_OTHER_ALLERGY = frozenset(
    {"no-known-food-allergies", "no-known-environmental-allergies"}
)
IPS_NO_ALLERGY_INFO = "no-allergy-info"  # nothing known either way: not a record of none
