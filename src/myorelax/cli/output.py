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

    def get(self) -> Console:
        """The Rich console itself (for Rich objects that need one, such as a progress bar)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


console: Console = _LazyConsole(highlight=False, soft_wrap=False)  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)  # type: ignore[assignment]


def progress_console() -> Console:
    """The real stderr console, for progress bars."""
    lazy: Any = err_console
    return lazy.get() if isinstance(lazy, _LazyConsole) else err_console


def emit_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout and nothing else."""
    from myorelax.reports.views import to_jsonable

    print(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False))
