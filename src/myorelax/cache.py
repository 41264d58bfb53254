"""The user cache folder: compiled snapshots that make start-up fast, never a source of truth.

Everything here can be deleted at any time and is rebuilt from the package's own files. The
folder is `MYORELAX_CACHE_DIR` when set, else the platform's user cache folder (platformdirs).
Writes are atomic (a temporary file renamed into place), and a folder that cannot be written is
not an error: the caller simply rebuilds in memory next time.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "MYORELAX_CACHE_DIR"


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("myorelax", appauthor=False))


def read_cached(name: str) -> bytes | None:
    """The bytes of cache entry `name`, or None when it is missing or unreadable."""
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write_cached(name: str, data: bytes) -> bool:
    """Store `data` as cache entry `name` atomically; False (and a debug log) when the folder
    cannot be written."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("cache entry %s not written: %s", name, exc)
        return False
    return True
