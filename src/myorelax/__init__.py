"""myorelax: decision support for centrally acting skeletal muscle relaxants.

The public API, as `verb_noun` functions over frozen domain objects::

    from myorelax import load_knowledge, resolve_drug, parse_sig, patient_from_data
    from myorelax import regimen_from, evaluate_regimen

    patient = patient_from_data({"age_years": 72, "egfr_ml_min": 40})
    report = evaluate_regimen(patient, regimen_from(["baclofen 10 mg tid"]))

Every error raised on purpose is a `MyorelaxError` (see `myorelax.errors`).
"""

from typing import TYPE_CHECKING, Any

# The public names and the modules that define them. They are imported on first use (PEP 562),
# so that `import myorelax` (and every command of the CLI) loads only what it touches.
_EXPORTS: dict[str, str] = {
    "Alert": "myorelax.safety.alert",
    "CheckReport": "myorelax.safety.alert",
    "InputError": "myorelax.errors",
    "KidneyFunction": "myorelax.clinical.patient",
    "KnowledgeBase": "myorelax.knowledge.schema",
    "KnowledgeError": "myorelax.errors",
    "Monograph": "myorelax.knowledge.schema",
    "MyorelaxError": "myorelax.errors",
    "NoModelError": "myorelax.pk.models",
    "Order": "myorelax.clinical.regimen",
    "Patient": "myorelax.clinical.patient",
    "PatientDataError": "myorelax.errors",
    "PkModel": "myorelax.pk.models",
    "Regimen": "myorelax.clinical.regimen",
    "RegimenSimulation": "myorelax.pk.simulate",
    "DosingEvents": "myorelax.pk.simulate",
    "OutputGrid": "myorelax.pk.simulate",
    "PopulationSpec": "myorelax.pk.simulate",
    "RegimenRequest": "myorelax.pk.simulate",
    "simulate_request": "myorelax.pk.simulate",
    "SigParseError": "myorelax.errors",
    "UnitError": "myorelax.errors",
    "UnknownDrugError": "myorelax.errors",
    "evaluate_regimen": "myorelax.safety.engine",
    "kidney_function": "myorelax.clinical.patient",
    "load_knowledge": "myorelax.knowledge.loader",
    "model_for": "myorelax.pk.models",
    "parse_sig": "myorelax.clinical.sig",
    "patient_from_data": "myorelax.clinical.inputs",
    "regimen_from": "myorelax.clinical.inputs",
    "resolve_condition": "myorelax.knowledge.terminology",
    "resolve_drug": "myorelax.knowledge.terminology",
    "simulate": "myorelax.pk.simulate",
    "simulate_regimen": "myorelax.pk.simulate",
    "validate_knowledge": "myorelax.knowledge.loader",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
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
    from myorelax.pk.simulate import (
        DosingEvents,
        OutputGrid,
        PopulationSpec,
        RegimenRequest,
        RegimenSimulation,
        simulate,
        simulate_regimen,
        simulate_request,
    )
    from myorelax.safety.alert import Alert, CheckReport
    from myorelax.safety.engine import evaluate_regimen


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'myorelax' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__version__ = "0.1.0"

__all__ = [
    "Alert",
    "CheckReport",
    "DosingEvents",
    "InputError",
    "KidneyFunction",
    "KnowledgeBase",
    "KnowledgeError",
    "Monograph",
    "MyorelaxError",
    "NoModelError",
    "Order",
    "OutputGrid",
    "Patient",
    "PatientDataError",
    "PkModel",
    "PopulationSpec",
    "Regimen",
    "RegimenRequest",
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
    "simulate_request",
    "validate_knowledge",
]
