"""Shared fixtures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """One fresh cache folder (knowledge snapshot, unit table) per test session, shared by the
    subprocesses the tests start: the first load validates, the rest read the snapshot, and the
    user's own cache is never touched."""
    if "MYORELAX_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["MYORELAX_CACHE_DIR"] = tempfile.mkdtemp(prefix="myorelax-test-cache-")
    if not hasattr(config, "workerinput"):
        # Built once here, before any pytest-xdist worker starts, instead of by every worker and
        # subprocess at once.
        from myorelax.knowledge.loader import load_products

        load_knowledge()
        load_products()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow end-to-end tests first, so that with pytest-xdist they start on a worker early
    instead of ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged knowledge data."""
    src = Path(str(resources.files("myorelax.knowledge") / "data"))
    dst = tmp_path / "data"
    shutil.copytree(src, dst)
    return dst


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_cli() -> CliRunner:
    """Run the installed `myorelax` console script in a subprocess (end to end)."""
    exe = Path(sys.executable).parent / "myorelax"

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
        return subprocess.run(
            [str(exe), *args],
            capture_output=True,
            text=True,
            input=input,
            env=env,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run `myorelax` in this process (its `main`, with the whole error contract), capturing
    stdout and stderr: for tests where a subprocess proves nothing more than `run_cli` does
    elsewhere. Returns the same CompletedProcess as `run_cli`."""
    import contextlib
    import io

    from myorelax.cli.main import main

    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        out, err = io.StringIO(), io.StringIO()
        code = 0
        stdin = io.StringIO(input or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            monkeypatch.setattr(sys, "stdin", stdin)
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return subprocess.CompletedProcess(
            ["myorelax", *args], code, out.getvalue(), err.getvalue()
        )

    return run
