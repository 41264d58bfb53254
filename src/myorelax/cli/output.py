"""Shared output helpers: JSON on stdout, human text through Rich, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


def check_writable(path: Path | None, option: str) -> None:
    """An output file that cannot be written (its folder missing, not a folder, read-only; the
    path a folder) is bad input, said at once: before any work is done."""
    import os

    from myorelax.errors import InputError

    if path is None:
        return
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise InputError(f"the folder {folder} does not exist", field=option)
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file name", field=option)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"cannot write {path}: permission denied", field=option)


@contextmanager
def writing(path: Path, option: str) -> Iterator[None]:
    """Any OS error while writing `path` becomes one line naming the option (exit 2)."""
    from myorelax.errors import InputError

    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}", field=option) from None


def write_output(path: Path, data: str | bytes, option: str) -> None:
    """Write an output file (one line naming the option when it cannot be) and say so."""
    with writing(path, option):
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    err_console.print(f"wrote {path}", markup=False)
