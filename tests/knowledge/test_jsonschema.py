from __future__ import annotations

from pathlib import Path

from myorelax.knowledge.jsonschema import render

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "knowledge-base.schema.json"


def test_committed_json_schema_matches_the_models() -> None:
    assert SCHEMA.read_text() == render(), "run `make schema` and commit the result"
