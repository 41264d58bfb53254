"""myorelax: decision support for centrally acting skeletal muscle relaxants.

The public API, as `verb_noun` functions over frozen domain objects::

    from myorelax import load_knowledge, resolve_drug, parse_sig, patient_from_data
    from myorelax import regimen_from, evaluate_regimen

    patient = patient_from_data({"age_years": 72, "egfr_ml_min": 40})
    report = evaluate_regimen(patient, regimen_from(["baclofen 10 mg tid"]))

Every error raised on purpose is a `MyorelaxError` (see `myorelax.errors`).
"""

from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.clinical.patient import KidneyFunction, Patient, kidney_function
from myorelax.clinical.regimen import Order, Regimen
from myorelax.clinical.sig import parse_sig
from myorelax.errors import (
    InputError,
    KnowledgeError,
    MyorelaxError,
    PatientDataError,
    SigParseError,
    UnitError,
    UnknownDrugError,
)
from myorelax.knowledge.loader import load_knowledge, validate_knowledge
from myorelax.knowledge.schema import KnowledgeBase, Monograph
from myorelax.knowledge.terminology import resolve_condition, resolve_drug
from myorelax.pk.models import NoModelError, PkModel, model_for
from myorelax.pk.simulate import RegimenSimulation, simulate, simulate_regimen
from myorelax.safety.alert import Alert, CheckReport
from myorelax.safety.engine import evaluate_regimen

__version__ = "0.1.0"

__all__ = [
    "Alert",
    "CheckReport",
    "InputError",
    "KidneyFunction",
    "KnowledgeBase",
    "KnowledgeError",
    "Monograph",
    "MyorelaxError",
    "NoModelError",
    "Order",
    "Patient",
    "PatientDataError",
    "PkModel",
    "Regimen",
    "RegimenSimulation",
    "SigParseError",
    "UnitError",
    "UnknownDrugError",
    "evaluate_regimen",
    "kidney_function",
    "load_knowledge",
    "model_for",
    "parse_sig",
    "patient_from_data",
    "regimen_from",
    "resolve_condition",
    "resolve_drug",
    "simulate",
    "simulate_regimen",
    "validate_knowledge",
]
