"""Shared output helpers: JSON on stdout, human text through Rich, errors on stderr."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A Rich console built on first use, so that commands which print nothing through Rich
    (`--help`, `--json`) never import it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


console: Console = _LazyConsole(highlight=False, soft_wrap=False)  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)  # type: ignore[assignment]


def emit_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout and nothing else."""
    from myorelax.reports.views import to_jsonable

    print(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False))
