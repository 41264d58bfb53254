"""`myorelax check` output, exit codes, and every bad-input class of issue 3 (the first test
through the installed command in a subprocess, the rest in process through the same `main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner

NORMAL = ["--age", "45", "--sex", "female", "--weight-kg", "70", "--scr-mg-dl", "0.8"]


def test_contraindicated_interaction_json(run_cli: CliRunner) -> None:
    out = run_cli(
        "check",
        "--order",
        "tizanidine 4 mg tid",
        "--med",
        "ciprofloxacin 500 mg bid",
        *NORMAL,
        "--json",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    first = report["alerts"][0]
    assert first["code"] == "MRX-DDI-001" and first["severity"] == "contraindicated"
    assert first["exposure"]["auc_ratio"] == 10
    assert first["evidence"][0]["url"].startswith("https://dailymed.nlm.nih.gov/")
    assert report["orders"][0]["rxcui"] == "57258"
    assert report["patient"]["crcl_ml_min"] > 80
    assert report["knowledge_version"]


def test_human_table(cli: CliRunner) -> None:
    out = cli(
        "check",
        "--order",
        "carisoprodol 350 mg tid+hs for 28 days",
        "--med",
        "oxycodone 10 mg q6h prn",
        "--med",
        "alprazolam 1 mg tid",
        *NORMAL,
    )
    assert out.returncode == 0, out.stderr
    assert "MRX-DDI-004" in out.stdout and "holy trinity" in out.stdout
    assert "MRX-DUR-001" in out.stdout
    assert "not medical advice" in out.stdout


def test_fail_on_exits_3(cli: CliRunner) -> None:
    args = ["check", "--order", "tizanidine 2 mg tid", "--med", "fluvoxamine 100 mg daily", *NORMAL]
    assert cli(*args, "--fail-on", "major").returncode == 3
    calm = ["check", "--order", "methocarbamol 750 mg qid for 5 days", *NORMAL]
    assert cli(*calm, "--fail-on", "major").returncode == 0


def test_patient_file_yaml(cli: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "age_years: 76\nsex: female\negfr_ml_min: 40\nmedications: ['oxycodone 5 mg q6h prn']\n"
    )
    out = cli("check", "--patient", str(f), "--order", "baclofen 5 mg tid", "--json")
    assert out.returncode == 0, out.stderr
    codes = {a["code"] for a in json.loads(out.stdout)["alerts"]}
    assert {"MRX-BEERS-002", "MRX-DDI-003"} <= codes


def test_stopping_intrathecal_baclofen(cli: CliRunner) -> None:
    out = cli(
        "check",
        "--med",
        "baclofen 400 mcg/day intrathecal",
        "--stopping",
        "baclofen",
        "--crcl",
        "90",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["alerts"][0]["code"] == "MRX-WD-002"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--order", "baclophen 10 mg tid"], "did you mean baclofen"),
        (["--order", "baclofen 10 mg tid", "--age", "250"], "age_years"),
        (["--order", "baclofen 10 mg tid", "--weight-kg", "0"], "weight_kg"),
        (["--order", "baclofen -10 mg tid"], "cannot be negative"),
        (["--order", "baclofen 10 mg tid", "--scr-mg-dl", "0"], "scr_mg_dl"),
        (["--order", "carisoprodol 350 kg tid"], "350 kg is not a dose"),
        (["--order", "carisoprodol 10 mL tid"], "no oral liquid"),
        (["--order", "baclofen 10 mg tid", "--pregnant", "--sex", "male"], "pregnant"),
        (["--order", "baclofen 10 mg"], "no frequency"),
        (["--order", "baclofen 10 mg tid", "--fail-on", "huge"], "--fail-on"),
        (["--order", "baclofen 10 mg tid", "--cyp2c19", "ZZ"], "cyp2c19"),
        (["--order", "baclofen 10 mg tid", "--patient", "/nonexistent.json"], "cannot read"),
        ([], "--order"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli: CliRunner, args: list[str], needle: str) -> None:
    out = cli("check", *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert needle in lines[0]
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_unknown_medication_and_condition_are_reported_not_fatal(cli: CliRunner) -> None:
    out = cli(
        "check",
        "--order",
        "baclofen 5 mg tid",
        "--med",
        "fooxetine 20 mg daily",
        "--condition",
        "seizure disordr",
        "--crcl",
        "90",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)["not_checked"]
    reasons = {(i["kind"], i["reason"], i["item"]) for i in items}
    assert ("medication", "unknown_drug", "fooxetine 20 mg daily") in reasons
    assert ("condition", "unknown_condition", "seizure disordr") in reasons
    detail = next(i["detail"] for i in items if i["reason"] == "unknown_condition")
    assert "did you mean Seizure disorder (epilepsy)?" in detail


def test_a_lower_bound_exposure_is_said_as_at_least(cli: CliRunner) -> None:
    """Kidney failure recorded without a CrCl: PK evaluates at the top of G5, so the ratios are a
    floor. The table says "at least", and a fraction has no unit word ("0.33 dimensionless")."""
    out = cli(
        "check", "--order", "baclofen 10 mg tid", "--age", "60", "--sex", "male",
        "--condition", "end stage renal disease", "--allergy", "none", "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    renal = next(a for a in json.loads(out.stdout)["alerts"] if a["code"] == "MRX-RENAL-001")
    assert renal["exposure"]["lower_bound"] is True and renal["exposure"]["auc_ratio"] > 3
    assert "dimensionless" not in out.stdout
    table = cli(
        "check", "--order", "baclofen 10 mg tid", "--age", "60", "--sex", "male",
        "--condition", "end stage renal disease", "--allergy", "none",
    )  # fmt: skip
    assert "Exposure: AUC at least x" in " ".join(table.stdout.split())
