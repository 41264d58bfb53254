"""Generated documents stay in step with the code and the knowledge."""

from __future__ import annotations

from pathlib import Path

from myorelax.cli.rules_doc import render

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_safety_rules_doc_is_current() -> None:
    assert (DOCS / "safety-rules.md").read_text() == render(), "run `make docs` and commit"


def test_readme_states_it_is_not_medical_advice() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    assert "Not medical advice" in readme
    assert "make run" in readme and "make test" in readme
