"""Editing a copy of the knowledge folder in a test (the `kb_copy` fixture) and reading what the
loader says of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from myorelax.knowledge.loader import validate_knowledge

Problem = tuple[str, str, str]


def edit_yaml(path: Path, change: Any) -> None:
    """Apply `change` (a function mutating the parsed data) to the YAML file at `path`."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def load_problems(root: Path) -> list[Problem]:
    """The loader's problems with the folder at `root`, which must not load."""
    kb, problems = validate_knowledge(root)
    assert kb is None
    return problems
