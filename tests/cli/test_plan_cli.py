"""`myorelax titrate`, `taper` and `pump` end to end: the issue's commands, files, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import CliRunner


def test_titrate_issue_example(run_cli: CliRunner) -> None:
    r = run_cli("titrate", "baclofen", "--target", "20 mg tid", "--crcl", "45",
                "--start", "2026-12-01", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["kind"] == "titration" and d["drug"] == "baclofen"
    assert [s["daily_total_mg"] for s in d["steps"]] == [5, 15, 20, 30]
    # Where the plan ends, and why, in its own numbers (was "stops at the ceiling of 40").
    assert "kidney-adjusted maximum of 40 mg/day" in d["warnings"][0]
    assert "ends at 30 mg/day" in d["warnings"][0]
    assert d["steps"][0]["doses"][0]["tablets"][0]["strength_mg"] == 5


def test_taper_issue_example_writes_ics_html_pdf_fhir(cli: CliRunner, tmp_path: Path) -> None:
    ics, html, pdf, fhir = (tmp_path / n for n in ("t.ics", "t.html", "t.pdf", "t.json"))
    r = cli("taper", "baclofen 20 mg qid", "--start", "2026-12-01", "--ics", str(ics),
                "--html", str(html), "--pdf", str(pdf), "--fhir", str(fhir),
                "--prescriber", "Dr Rivera 555-0100")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "2026-12-15" in r.stdout and "Stop" in r.stdout
    cal = Calendar.from_ical(ics.read_bytes())
    # 3 steps x 4 times + the last step's 3 doses (15 mg/day) + the stop day
    assert len(list(cal.walk("VEVENT"))) == 16
    assert "Dr Rivera 555-0100" in html.read_text()
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert json.loads(fhir.read_text())["resourceType"] == "CarePlan"


def test_pump_issue_example(cli: CliRunner, tmp_path: Path) -> None:
    ics = tmp_path / "pump.ics"
    r = cli("pump", "--reservoir-ml", "20", "--concentration-mcg-ml", "2000",
                "--dose-mcg-day", "400", "--last-refill", "2026-11-01", "--ics", str(ics),
                "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["refill_by"] == "2027-01-29"
    assert d["alarm_date"] == "2027-01-30"
    assert Calendar.from_ical(ics.read_bytes()).walk("VEVENT")


def test_pump_dose_change(cli: CliRunner) -> None:
    r = cli("pump", "--reservoir-ml", "20", "--concentration-mcg-ml", "2000",
                "--dose-mcg-day", "400", "--last-refill", "2026-11-01",
                "--change", "2026-12-01=500", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["alarm_date"] == "2027-01-18"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taper", "baclofen 30 mg qid"], "SIG: 30 mg per dose is above the labelled maximum"),
        (
            ["taper", "baclofen 20 mg qid", "--start", "12/01/2026"],
            "--start: '12/01/2026' is not a date",
        ),
        (
            [
                "pump",
                "--reservoir-ml",
                "20",
                "--concentration-mcg-ml",
                "0",
                "--dose-mcg-day",
                "400",
                "--last-refill",
                "2026-11-01",
            ],
            "--concentration-mcg-ml: must be between 1 and 100000 mcg/mL",
        ),
        (
            [
                "pump",
                "--reservoir-ml",
                "20",
                "--concentration-mcg-ml",
                "2000",
                "--dose-mcg-day",
                "400",
                "--last-refill",
                "2026-11-01",
                "--change",
                "soon=500",
            ],
            "--change: 'soon=500'",
        ),
        (["titrate", "bacloffen"], "did you mean"),
        (["titrate", "baclofen", "--target", "40 mg tid"], "--target: 40 mg per dose is above"),
        (["taper", "diazepam 5 mg tid"], "--days: the sources give no taper period"),
        (["taper", "baclofen 20 mg qid", "--ics-mode", "week", "--ics", "x.ics"], "--ics-mode"),
        (
            ["taper", "baclofen 20 mg qid", "--ics", "x.ics", "--tz", "Mars/Base"],
            "--tz: unknown time zone",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(cli: CliRunner, args: list[str], message: str) -> None:
    r = cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr


def test_no_taper_needed_is_shown(cli: CliRunner) -> None:
    r = cli("taper", "cyclobenzaprine 10 mg tid", "--start", "2026-12-01", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["taper_needed"] is False
    assert d["steps"][0]["daily_total_mg"] == 0
    assert "do not require a taper" in d["rule"]["text"]
