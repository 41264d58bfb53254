"""Code systems and the codes the FHIR adapter reads: LOINC observations, and SNOMED CT / ICD-10
codes of the conditions the checks know (the knowledge base's conditions carry no codes yet).

Every code here was checked against public terminology material (LOINC and SNOMED CT value
sets, ICD-10-CM code lists); a code that could not be confirmed is left out, and the Condition's
display text is matched against the knowledge base's condition names instead. These are
terminology, not clinical facts.
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

# SNOMED CT concepts -> knowledge-base condition ids.
SNOMED_CONDITIONS: dict[str, str] = {
    "84757009": "seizure_disorder",  # Epilepsy
    "128613002": "seizure_disorder",  # Seizure disorder
    "91637004": "myasthenia_gravis",  # Myasthenia gravis
    "23986001": "glaucoma",  # Glaucoma
    "49436004": "arrhythmia",  # Atrial fibrillation
    "84114007": "heart_failure",  # Heart failure
    "42343007": "heart_failure",  # Congestive heart failure
    "88805009": "heart_failure",  # Chronic congestive heart failure
    "34486009": "hyperthyroidism",  # Hyperthyroidism
    "13645005": "copd",  # Chronic obstructive lung disease
    "185086009": "copd",  # Chronic obstructive bronchitis
    "87433001": "copd",  # Pulmonary emphysema
    "73430006": "sleep_apnea",  # Sleep apnea
    "78275009": "sleep_apnea",  # Obstructive sleep apnea syndrome
    "52448006": "dementia",  # Dementia
    "26929004": "dementia",  # Alzheimer's disease
    "35489007": "depression",  # Depressive disorder
    "19943007": "active_liver_disease",  # Cirrhosis of liver
    "266569009": "prostatic_hypertrophy",  # Benign prostatic hyperplasia
    "58214004": "psychosis",  # Schizophrenia
    "230690007": "stroke",  # Cerebrovascular accident
    "24700007": "multiple_sclerosis",  # Multiple sclerosis
    "49049000": "parkinson_disease",  # Parkinson's disease
    # Chronic kidney disease: unspecified, stages 3 to 5 and end stage. Stages 1 and 2 (GFR of
    # 60 or more) are left to the measured kidney function.
    "709044004": "reduced_kidney_function",  # Chronic kidney disease
    "433144002": "reduced_kidney_function",  # CKD stage 3
    "431857002": "reduced_kidney_function",  # CKD stage 4
    "433146000": "reduced_kidney_function",  # CKD stage 5
    "714152005": "reduced_kidney_function",  # CKD stage 5 on dialysis
    "46177005": "reduced_kidney_function",  # End-stage renal disease
}

# ICD-10 (-CM) code prefixes, dots removed -> condition ids. The longest matching prefix wins.
ICD10_CONDITIONS: dict[str, str] = {
    "G40": "seizure_disorder",  # Epilepsy and recurrent seizures
    "G700": "myasthenia_gravis",  # Myasthenia gravis
    "H40": "glaucoma",  # Glaucoma
    "I48": "arrhythmia",  # Atrial fibrillation and flutter
    "I50": "heart_failure",  # Heart failure
    "E05": "hyperthyroidism",  # Thyrotoxicosis [hyperthyroidism]
    "J44": "copd",  # Other chronic obstructive pulmonary disease
    "G4733": "sleep_apnea",  # Obstructive sleep apnea
    "F01": "dementia",  # Vascular dementia
    "F02": "dementia",  # Dementia in other diseases
    "F03": "dementia",  # Unspecified dementia
    "G30": "dementia",  # Alzheimer's disease
    "F32": "depression",  # Depressive episode
    "F33": "depression",  # Recurrent depressive disorder
    "K746": "active_liver_disease",  # Other and unspecified cirrhosis of liver
    "N40": "prostatic_hypertrophy",  # Benign prostatic hyperplasia
    "G35": "multiple_sclerosis",  # Multiple sclerosis
    "I63": "stroke",  # Cerebral infarction
    "F101": "alcohol_use_disorder",  # Alcohol abuse
    "F102": "alcohol_use_disorder",  # Alcohol dependence
    "F111": "opioid_use_disorder",  # Opioid abuse
    "F112": "opioid_use_disorder",  # Opioid dependence
    "N183": "reduced_kidney_function",  # CKD stage 3
    "N184": "reduced_kidney_function",  # CKD stage 4
    "N185": "reduced_kidney_function",  # CKD stage 5
    "N186": "reduced_kidney_function",  # End stage renal disease
    "N189": "reduced_kidney_function",  # CKD, unspecified
}

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

SEVERITY_OF_ALERT: dict[str, str] = {
    "contraindicated": "high",
    "major": "high",
    "moderate": "moderate",
    "minor": "low",
}


def icd10_key(code: str) -> str:
    """An ICD-10 code as compared here: upper case, dots and spaces removed."""
    return code.replace(".", "").replace(" ", "").upper()


def icd10_condition(code: str) -> str | None:
    """The condition id an ICD-10 code maps to (longest prefix), or None."""
    key = icd10_key(code)
    for n in range(len(key), 2, -1):
        hit = ICD10_CONDITIONS.get(key[:n])
        if hit:
            return hit
    return None
