"""`myorelax db/patients/regimen/diary` end to end on a temporary SQLite database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.diary.synthetic import doses, spasm_halving_diary


@pytest.fixture
def dbenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MYORELAX_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def _csv(entries) -> str:  # type: ignore[no-untyped-def]
    from myorelax.reports.diary_report import entries_csv

    return entries_csv(entries)


def test_diary_workflow(cli: CliRunner, dbenv: Path) -> None:
    run_cli = (
        cli  # in process: the subprocess contract is covered by test_bad_csv_line_writes_nothing
    )
    assert run_cli("db", "upgrade").returncode == 0
    r = run_cli("patients", "add", "Ann", "--json")
    assert r.returncode == 0, r.stderr
    pid = str(json.loads(r.stdout)["id"])
    assert (
        run_cli(
            "regimen", "set", "baclofen 10 mg tid", "--patient", pid, "--start", "2026-01-01"
        ).returncode
        == 0
    )
    assert (
        run_cli(
            "regimen", "set", "baclofen 20 mg tid", "--patient", pid, "--start", "2026-01-31"
        ).returncode
        == 0
    )
    entries, _ = spasm_halving_diary(60, change_day=30, seed=5)
    entries += doses("baclofen", 10, range(30), ("08:00", "14:00", "20:00"), skip={12})
    file = dbenv / "diary.csv"
    file.write_text(_csv(entries))
    r = run_cli("diary", "import", str(file), "--patient", pid, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == len(entries)
    html = dbenv / "report.html"
    r = run_cli("diary", "report", "--patient", pid, "--from", "2026-01-01", "--to", "2026-03-01",
                "--html", str(html), "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert any(a["code"] == "DIARY-MISSED-RUN" and a["severity"] == "major" for a in d["alerts"])
    spasm = next(e for e in d["dose_changes"] if e["measure"] == "spasm")
    assert spasm["significant"] and spasm["level_change"] < 0
    page = html.read_text()
    pdf = dbenv / "report.pdf"
    assert run_cli("diary", "report", "--patient", pid, "--from", "2026-01-01", "--to",
                   "2026-03-01", "--pdf", str(pdf)).returncode == 0  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "data:image/png;base64," in page and "Diary summary for Ann" in page
    bundle = dbenv / "diary.json"
    r = run_cli("diary", "export", "--patient", pid, "--from", "2026-01-01", "--to", "2026-03-01",
                "--fhir", str(bundle))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(entries)
    pid2 = str(json.loads(run_cli("patients", "add", "Ann copy", "--json").stdout)["id"])
    r = run_cli("diary", "import", str(bundle), "--patient", pid2, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["imported"] == len(entries)


def test_bad_csv_line_writes_nothing(run_cli: CliRunner, dbenv: Path) -> None:
    pid = str(json.loads(run_cli("patients", "add", "Bob", "--json").stdout)["id"])
    file = dbenv / "bad.csv"
    file.write_text(
        "at,kind,value,severity\n"
        "2026-01-01T20:00:00+00:00,pain,5,\n"
        "2026-01-02T20:00:00+00:00,pain,12,\n"
    )
    r = run_cli("diary", "import", str(file), "--patient", pid)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: entry: line 3: pain value (0-10): 12 is out of range"
    r = run_cli("diary", "export", "--patient", pid, "--from", "2025-12-01", "--to", "2026-02-01")
    assert r.stdout.strip().count("\n") == 0  # header only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["diary", "add", "--patient", "1", "--kind", "mood", "--value", "3"],
            "--kind: 'mood' is not one of",
        ),
        (
            [
                "diary",
                "add",
                "--patient",
                "1",
                "--kind",
                "pain",
                "--value",
                "3",
                "--at",
                "2026-01-01T08:00",
            ],
            "at: needs a time zone",
        ),
        (
            ["diary", "add", "--patient", "99", "--kind", "pain", "--value", "3"],
            "patient: no patient 99 among your records",
        ),
        (
            ["diary", "report", "--patient", "1", "--from", "yesterday"],
            "--from: 'yesterday' is not a date",
        ),
    ],
)
def test_bad_diary_input(cli: CliRunner, dbenv: Path, args: list[str], message: str) -> None:
    run_cli = cli
    run_cli("patients", "add", "Cy")
    r = run_cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
