"""`myorelax drugs` and `kb`: output and error contract (the typo case through the installed
command in a subprocess, the rest in process through the same `main`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner


def test_drugs_list_table(cli: CliRunner) -> None:
    out = cli("drugs", "list")
    assert out.returncode == 0, out.stderr
    for name in ("carisoprodol", "baclofen", "tizanidine", "dantrolene", "diazepam"):
        assert name in out.stdout
    assert "IV" in out.stdout  # carisoprodol's schedule


def test_drugs_list_json(cli: CliRunner) -> None:
    out = cli("drugs", "list", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows = {r["id"]: r for r in data["drugs"]}
    assert rows["carisoprodol"]["dea_schedule"] == "IV"
    assert "intrathecal" in rows["baclofen"]["routes"]
    assert data["knowledge_version"]


def test_show_pain_o_soma_json_returns_carisoprodol_with_meprobamate(cli: CliRunner) -> None:
    out = cli("drugs", "show", "Pain O Soma", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["drug"]["id"] == "carisoprodol"
    assert data["resolved"]["how"] == "brand"
    assert [m["id"] for m in data["metabolites"]] == ["meprobamate"]
    assert data["drug"]["active_metabolites"][0]["drug"] == "meprobamate"
    # every cited source is included with a link
    assert all(s["title"] for s in data["sources"].values())


def test_show_human_has_citations(cli: CliRunner) -> None:
    out = cli("drugs", "show", "Zanaflex")
    assert out.returncode == 0, out.stderr
    assert "Tizanidine" in out.stdout
    assert "[1]" in out.stdout and "dailymed.nlm.nih.gov" in out.stdout


def test_typo_is_one_line_with_suggestion_and_exit_2(run_cli: CliRunner) -> None:
    out = run_cli("drugs", "show", "baclophen")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "did you mean baclofen" in lines[0]
    assert "Traceback" not in out.stderr


def test_class_member_without_monograph_is_explained(cli: CliRunner) -> None:
    out = cli("drugs", "show", "ciprofloxacin")
    assert out.returncode == 2
    assert "no monograph" in out.stderr


def test_missing_argument_is_a_usage_error(cli: CliRunner) -> None:
    out = cli("drugs", "show")
    assert out.returncode == 2
    assert "Missing argument" in out.stderr


def test_kb_validate(cli: CliRunner) -> None:
    out = cli("kb", "validate")
    assert out.returncode == 0, out.stderr
    assert "is valid" in out.stdout
    data = json.loads(cli("kb", "validate", "--json").stdout)
    assert data["valid"] is True and data["problems"] == []


def test_kb_validate_reports_each_problem_and_exits_1(cli: CliRunner, kb_copy: Path) -> None:
    drug = kb_copy / "drugs" / "baclofen.yaml"
    drug.write_text(drug.read_text().replace("id: baclofen", "id: baclofen\ncolour: blue", 1))
    out = cli("kb", "validate", "--data", str(kb_copy))
    assert out.returncode == 1
    assert "drugs/baclofen.yaml: colour: Extra inputs are not permitted" in out.stderr
