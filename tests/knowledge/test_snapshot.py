"""The knowledge snapshot and the unit table in the cache folder: used when current, rebuilt
when the data change, when the file is corrupt, and never needed when the folder is read-only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from myorelax import cache
from myorelax.errors import KnowledgeError
from myorelax.knowledge import loader
from myorelax.knowledge.loader import knowledge_fingerprint, load_knowledge


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    monkeypatch.setattr(loader, "_LOADED", {})
    return folder


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.glob("knowledge-*.pickle"))


def test_the_first_load_validates_and_the_next_reads_the_snapshot(
    kb_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = load_knowledge(kb_copy)
    assert len(snapshots(cache_dir)) == 1
    monkeypatch.setattr(loader, "_LOADED", {})

    def no_validation(*_: object) -> None:
        raise AssertionError("validated again although the snapshot is current")

    monkeypatch.setattr(loader, "validate_knowledge", no_validation)
    again = load_knowledge(kb_copy)
    assert again == kb
    assert again is not kb  # read from the file, not the in-process memo


def test_a_change_to_the_data_is_seen_and_validated(kb_copy: Path, cache_dir: Path) -> None:
    before = knowledge_fingerprint(kb_copy)
    load_knowledge(kb_copy)
    manifest = kb_copy / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("version:", "version: 9.9.9 #", 1))
    assert knowledge_fingerprint(kb_copy) != before
    assert load_knowledge(kb_copy).version == "9.9.9"
    # A broken edit is refused at load, whatever snapshot exists for the old data.
    drug = kb_copy / "drugs" / "baclofen.yaml"
    drug.write_text(drug.read_text().replace("source: dm-ozobax", "source: no-such-source", 1))
    with pytest.raises(KnowledgeError, match="no-such-source"):
        load_knowledge(kb_copy)


def test_a_corrupt_snapshot_is_rebuilt(
    kb_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = load_knowledge(kb_copy)
    (snap,) = snapshots(cache_dir)
    snap.write_bytes(b"not a pickle")
    monkeypatch.setattr(loader, "_LOADED", {})
    assert load_knowledge(kb_copy) == kb
    assert snap.read_bytes() != b"not a pickle"


def test_a_cache_path_that_is_a_file_still_loads(
    kb_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache folder cannot be created (a file is in the way): nothing is written, the
    knowledge base still loads (as root, read-only folders are writable, so this is the case a
    test can create)."""
    blocker = tmp_path / "blocked"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker / "cache"))
    monkeypatch.setattr(loader, "_LOADED", {})
    assert load_knowledge(kb_copy).drugs
    assert not cache.write_cached("x", b"y")


def test_the_unit_table_converts_without_pint_once_warm(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, cache.ENV_VAR: str(tmp_path)}
    code = (
        "import sys; from myorelax.units import convert; "
        "print(convert(2, 'g', 'mg'), convert(100, 'mL/min', 'L/h'), 'pint' in sys.modules)"
    )
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert first.stdout.split() == ["2000.0", "6.0", "True"]
    assert second.stdout.split() == ["2000.0", "6.0", "False"]
    # A corrupt table is rebuilt from pint, with the same answers.
    (table,) = tmp_path.glob("units-*.json")
    table.write_text("{not json")
    third = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert third.stdout.split() == ["2000.0", "6.0", "True"]
