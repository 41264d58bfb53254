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
from hypothesis import settings

from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.schema import KnowledgeBase

# Property tests assert behaviour, never speed (speed is measured in bench/): no per-example
# deadline, which a first call that loads the knowledge base or a busy machine would overrun.
settings.register_profile("myorelax", deadline=None)
settings.load_profile("myorelax")

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """One fresh cache folder (knowledge snapshot, unit table) per test session, shared by the
    subprocesses the tests start: the first load validates, the rest read the snapshot, and the
    user's own cache is never touched."""
    # Test servers make and check hundreds of passwords: nearly free hashes, for tests only
    # (tests/api/test_password_hashing.py checks that the default is the recommended cost).
    os.environ.setdefault("MYORELAX_PASSWORD_HASHING", "weak-for-tests")
    if "MYORELAX_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["MYORELAX_CACHE_DIR"] = tempfile.mkdtemp(prefix="myorelax-test-cache-")
    if not hasattr(config, "workerinput"):
        # Built once here, before any pytest-xdist worker starts, instead of by every worker and
        # subprocess at once.
        from myorelax.knowledge.loader import load_products

        load_knowledge()
        load_products()


# Test folders whose tests drive real processes (a server, the console script): each takes
# seconds where most other tests take milliseconds.
PROCESS_BACKED = ("api", "startup")


def _order(item: pytest.Item) -> int:
    parts = Path(str(item.path)).parts
    if "web" in parts:
        # Last, as in folder order: Playwright's sync API leaves an event loop running in the
        # worker, and `asyncio.run` in any later test on that worker would fail.
        return 3
    if item.get_closest_marker("slow") is not None:
        return 0
    return 1 if any(p in parts for p in PROCESS_BACKED) else 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest first: the slow end-to-end tests, then the process-backed ones, then the rest,
    the browser tests last (a stable sort: each module keeps its own order). pytest-xdist
    (`--dist loadgroup`, see pyproject.toml) hands tests out in this order as workers free up,
    so the long tests start early and on both workers. Order only: every test still runs."""
    items.sort(key=_order)
    if getattr(config.option, "loadgroup", False):  # a pytest-xdist worker under loadgroup
        _xdist_groups(items)


def _xdist_groups(items: list[pytest.Item]) -> None:
    """Tests marked `xdist_group(name)` go to one worker: pytest-xdist's loadgroup does this by
    giving their node ids an "@name" suffix, but it sets `item._nodeid`, which pytest 9 no
    longer reads (the id is `item._id`), so the groups were silently ignored. Same suffix here."""
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
             for m in item.iter_markers("xdist_group")}
        )  # fmt: skip
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")


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
