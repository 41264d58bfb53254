"""Where a loaded RxNorm release is found: set by the drivers (the CLI and the service know
where the database is; the core does not), read by the default terminology. Kept apart from
`terminology` so that setting it imports nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_LOADER: Callable[[], Sequence[Any]] | None = None


def use_release_loader(loader: Callable[[], Sequence[Any]] | None) -> None:
    """The function that returns the loaded release's product sources (called at most once, on
    the first name or code that the shipped index does not know)."""
    global _LOADER
    _LOADER = loader
    import sys

    terminology = sys.modules.get("myorelax.knowledge.terminology")
    if terminology is not None:
        terminology._TERMINOLOGIES.clear()


def loader() -> Callable[[], Sequence[Any]] | None:
    return _LOADER
