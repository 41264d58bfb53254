"""`myorelax simulate` end to end: JSON, CSV, PNG, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.conftest import CliRunner


def test_baclofen_in_kidney_failure_json(run_cli: CliRunner) -> None:
    r = run_cli("simulate", "baclofen 20 mg tid", "--days", "7", "--crcl", "25",
                "--compare-normal", "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["drug"] == "baclofen"
    (a,) = d["analytes"]
    assert a["unit"] == "mg/L" and a["auc_unit"] == "mg*h/L"
    assert d["comparison"][0]["auc_ratio"] > 2.2
    assert d["model"]["effects"][0]["cause"] == "renal"
    assert d["dosing_records"][0] == {
        "time": 0.0, "amt": 20.0, "ii": 24.0, "addl": 6, "rate": 0.0, "cmt": 1, "ss": 0,
    }  # fmt: skip


def test_population_plot_and_csv(cli: CliRunner, tmp_path: Path) -> None:
    png, out = tmp_path / "p.png", tmp_path / "p.csv"
    r = cli("simulate", "carisoprodol 350 mg tid", "--days", "2", "--population", "200",
                "--seed", "1", "--plot", str(png), "--csv", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.reader(out.open()))
    assert rows[0][:3] == ["time_h", "carisoprodol_mg_per_l", "carisoprodol_p5_mg_per_l"]
    assert "meprobamate_p95_mg_per_l" in rows[0]
    assert len(rows) == 2 * 24 * 10 + 2
    assert "meprobamate" in r.stdout and "vs a typical adult" not in r.stdout


def test_interaction_through_med(cli: CliRunner) -> None:
    r = cli("simulate", "tizanidine 4 mg tid", "--med", "ciprofloxacin 500 mg bid",
                "--compare-normal", "--json")  # fmt: skip
    d = json.loads(r.stdout)
    assert d["comparison"][0]["auc_ratio"] == 10.0
    assert d["comedications"] == ["ciprofloxacin"]


def test_errors_are_one_line(cli: CliRunner) -> None:
    for args, field in [
        (("orphenadrine 100 mg bid",), "drug"),
        (("baclofen 10 mg tid", "--missed", "2@25:00"), "missed"),
        (("baclofen 10 mg tid", "--threshold", "ten"), "--threshold"),
        (("baclofen 10 mg tid", "--days", "0"), "days"),
        (("baclofen 10 mg tid", "--population", "-3"), "--population"),
        (("baclofen 10 mg tid", "--extra", "soon"), "--extra"),
        (("baclofen 10 mg tid", "--change", "3:0"), "change"),
    ]:
        r = cli("simulate", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and field in r.stderr and "Traceback" not in r.stderr


def test_an_output_file_in_a_missing_folder_is_one_line_naming_the_option(
    cli: CliRunner, tmp_path: Path
) -> None:
    # It used to simulate first and then end in "internal failure: FileNotFoundError".
    for option in ("--plot", "--csv"):
        r = cli("simulate", "baclofen 10 mg tid", option, str(tmp_path / "nowhere" / "x.out"))
        assert r.returncode == 2
        assert r.stderr.strip().count("\n") == 0
        assert option in r.stderr and "does not exist" in r.stderr
        assert "internal" not in r.stderr
