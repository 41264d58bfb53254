"""Start-up: what each command imports (a deterministic module set, never a timing), the
knowledge snapshot and the unit table in the cache folder, and `--version`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRunner

# Heavy libraries that `--help`, `drugs` and `check` must not load (issue 18).
HEAVY = (
    "numba",
    "sqlalchemy",
    "pandas",
    "pyarrow",
    "duckdb",
    "pyspark",
    "matplotlib",
    "weasyprint",
    "fastapi",
    "uvicorn",
)
CHECK = [
    "check",
    "--order",
    "baclofen 10 mg tid",
    "--med",
    "oxycodone 5 mg q6h prn",
    "--med",
    "alprazolam 1 mg tid",
    "--med",
    "ciprofloxacin 500 mg bid",
    "--med",
    "sertraline 50 mg daily",
    "--age",
    "72",
    "--sex",
    "female",
    "--weight-kg",
    "60",
    "--scr-mg-dl",
    "1.3",
    "--json",
]
PROBE = """
import json, sys
from myorelax.cli.main import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""


def modules_of(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> set[str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert out.exists(), proc.stderr
    return set(json.loads(out.read_text()))


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args", [["--help"], ["drugs", "show", "baclofen"], ["drugs", "list", "--json"], CHECK]
)
def test_light_commands_import_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    modules_of(args, tmp_path)  # a first run fills the cache folder (snapshot, unit table)
    loaded = roots(modules_of(args, tmp_path))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # With the unit table warm, pint itself is not needed either.
    assert "pint" not in loaded


def test_help_imports_neither_the_knowledge_nor_numpy(tmp_path: Path) -> None:
    loaded = modules_of(["--help"], tmp_path)
    assert "numpy" not in roots(loaded)
    assert "pydantic" not in roots(loaded)
    assert not any(m.startswith("myorelax.knowledge.loader") for m in loaded)


def test_a_population_simulation_does_load_numba(tmp_path: Path) -> None:
    """The negative control: the module probe sees numba when a command needs it."""
    args = ["simulate", "baclofen 10 mg tid", "--days", "2", "--population", "600", "--json"]
    assert "numba" in roots(modules_of(args, tmp_path))


def test_version(run_cli: CliRunner) -> None:
    from importlib.metadata import version

    out = run_cli("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"myorelax {version('myorelax')}"
