"""Shared output helpers: JSON on stdout, human text through Rich, errors on stderr."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from myorelax.reports.views import to_jsonable

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout and nothing else."""
    print(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False))
