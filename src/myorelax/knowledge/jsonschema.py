"""The JSON Schema of the knowledge-base files, generated from the pydantic models.

``python -m myorelax.knowledge.jsonschema > docs/knowledge-base.schema.json``; a test keeps the
committed file in step with the models.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from myorelax.knowledge.schema import (
    ConditionFile,
    GroupFile,
    Manifest,
    Monograph,
    PatientStates,
    Rule,
    SourceFile,
)


def knowledge_json_schema() -> dict[str, Any]:
    """One schema document with a definition per file kind."""
    files: dict[str, type] = {
        "monograph": Monograph,
        "sources": SourceFile,
        "groups": GroupFile,
        "conditions": ConditionFile,
        "patient_states": PatientStates,
        "manifest": Manifest,
        "rule": Rule,
    }
    defs: dict[str, Any] = {}
    kinds: dict[str, Any] = {}
    for kind, model in files.items():
        schema = TypeAdapter(model).json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[model.__name__] = schema
        kinds[kind] = {"$ref": f"#/$defs/{model.__name__}"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "myorelax knowledge-base files",
        "description": "drugs/<id>.yaml is a monograph, rules/<code>.yaml a rule; sources/*.yaml, "
        "groups/*.yaml, conditions.yaml, patient_states.yaml and manifest.yaml are the other "
        "kinds.",
        "properties": kinds,
        "$defs": dict(sorted(defs.items())),
    }


def render() -> str:
    return json.dumps(knowledge_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
