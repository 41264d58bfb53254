"""`myorelax screen` end to end: JSON, exported files, the HTML report, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from myorelax.cli.main import main
from myorelax.screening.synthetic import SyntheticOmop


def test_screen_json_out_and_html(
    planted: SyntheticOmop, planted_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, html = tmp_path / "out", tmp_path / "report.html"
    main(["screen", str(planted_dir), "--json", "--out", str(out), "--html", str(html)])
    doc = json.loads(capsys.readouterr().out)
    assert doc["engine"] == "duckdb" and doc["rows_scanned"] == 25_000
    assert [p["code"] for p in doc["patterns"]][:2] == ["MRX-DDI-004", "MRX-DDI-003"]
    for p in doc["patterns"]:
        assert p["person_ids"] == planted.truth[p["code"]].tolist()
        assert set(p) >= {"code", "name", "persons", "person_ids", "exposure_days"}
    assert {"code", "age_band", "sex", "persons", "exposure_days"} == set(doc["by_age_sex"][0])
    persons = pq.read_table(out / "persons.parquet")
    assert persons.num_rows == sum(p["persons"] for p in doc["patterns"])
    assert pacsv.read_csv(out / "persons.csv").num_rows == persons.num_rows
    summary = pacsv.read_csv(out / "summary.csv")
    assert sum(summary.column("persons").to_pylist()) == persons.num_rows
    assert json.loads((out / "result.json").read_text()) == doc
    page = html.read_text()
    assert page.count("data:image/png;base64,") == 3
    assert "MRX-RENAL-002" in page and "Not medical advice" in page
    assert 'src="http' not in page and "<script" not in page


def test_screen_table_for_one_pattern(
    planted_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["screen", str(planted_dir), "--pattern", "MRX-DUR-001", "--grace-days", "0"])
    text = capsys.readouterr().out
    assert "MRX-DUR-001" in text and "MRX-DDI-004" not in text
    assert "25,000" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/folder"], "error: PATH: /no/such/folder does not exist"),
        (["{dir}", "--engine", "oracle"], "error: --engine: 'oracle' is not duckdb or spark"),
        (["{dir}", "--pattern", "MRX-XXX-001"], "error: --pattern: unknown pattern 'MRX-XXX-001'"),
        (
            ["{dir}", "--grace-days", "-1"],
            "error: --grace-days: Input should be greater than or equal to 0",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, planted_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["screen", *(a.format(dir=planted_dir) for a in args)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message)
    assert "\n" not in err


def test_a_folder_without_drug_exposure_and_a_bad_date_in_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "person.csv").write_text("person_id,year_of_birth,gender_concept_id\n1,1950,8532\n")
    cmd = [sys.executable, "-m", "myorelax.cli.main", "screen", str(tmp_path)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"error: PATH: {tmp_path} has no drug_exposure table (drug_exposure.parquet or "
        "drug_exposure.csv)"
    )
    (tmp_path / "drug_exposure.csv").write_text(
        "person_id,drug_concept_id,drug_exposure_start_date\n1,2000002101,2022-13-01\n"
    )
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("error: drug_exposure: Conversion Error")
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1
