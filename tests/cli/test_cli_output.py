"""Issue 21, item 6: `check` renders its Markdown and says each statement once; every file the
commands read or write that cannot be is one line naming the option, exit 2; `--version`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from myorelax.cli.alert_text import alert_parts, plain, rich_markup
from tests.conftest import CliRunner

NORMAL = ["--age", "45", "--sex", "female", "--weight-kg", "70", "--scr-mg-dl", "0.8"]


def test_check_table_has_no_raw_markdown_and_each_statement_once(cli: CliRunner) -> None:
    out = cli("check", "--order", "tizanidine 4 mg tid", "--med", "ciprofloxacin 500 mg bid",
              *NORMAL)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "**" not in out.stdout and "`" not in out.stdout
    text = re.sub(r"[\s│]+", " ", out.stdout)  # the table's wrapping and borders away
    assert text.count("Tizanidine levels rise several-fold") == 1
    assert "Tizanidine + ciprofloxacin" in text and "Tizanidine with ciprofloxacin" in text
    assert text.count("Do not combine.") == 1
    assert "see myorelax titrate tizanidine" in text  # `code` shown as text


def test_the_recommendation_is_not_repeated_in_the_detail(cli: CliRunner) -> None:
    out = cli("check", "--order", "baclofen 10 mg tid", "--age", "50", "--sex", "male",
              "--egfr", "45")  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = re.sub(r"[\s│]+", " ", out.stdout)
    assert "MRX-RENAL-001" in text and text.count("Moderate CKD: halve the dose.") == 1


def test_alert_parts() -> None:
    summary = (
        "Cyclobenzaprine + sertraline: Risk of potentially life-threatening serotonin syndrome."
    )
    detail = ("**Cyclobenzaprine** with **sertraline** (class: ssris): Risk of potentially "
              "life-threatening serotonin syndrome.")  # fmt: skip
    assert alert_parts(summary, detail, "Observe.") == (
        "Cyclobenzaprine + sertraline",
        detail,
        "Observe.",
    )
    # a summary cut short with an ellipsis; the recommendation word for word in the detail
    rec = "Do not start oral dantrolene with active liver disease; stop if tests become abnormal."
    heading, rest, todo = alert_parts(
        "Dantrolene with liver disease: Do not start oral dantrolene with active liver…",
        f"The patient has **liver disease**. For any impairment: {rec}",
        rec,
    )
    assert (heading, rest, todo) == ("Dantrolene with liver disease",
                                     "The patient has **liver disease**.", rec)  # fmt: skip
    # nothing repeated: all three kept
    kept = ("Carisoprodol at 80: AGS Beers 2023 says avoid", "The patient is **80**.", "Avoid.")
    assert alert_parts(*kept) == kept
    assert plain("**a** and `b`") == "a and b"
    assert rich_markup("**a** [x] `b`") == "[bold]a[/bold] \\[x] [cyan]b[/cyan]"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: CliRunner) -> Path:
    monkeypatch.setenv("MYORELAX_DATABASE_URL", f"sqlite:///{tmp_path / 'diary.db'}")
    assert cli("patients", "add", "Pat").returncode == 0
    (tmp_path / "folder").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("args", "option", "problem"),
    [
        (["diary", "export", "--patient", "1", "--csv", "{missing}/x.csv"], "--csv", "the folder"),
        (["diary", "export", "--patient", "1", "--fhir", "{missing}/x.json"], "--fhir",
         "the folder"),
        (["diary", "export", "--patient", "1", "--csv", "{folder}"], "--csv", "is a folder"),
        (["diary", "report", "--patient", "1", "--html", "{missing}/r.html"], "--html",
         "the folder"),
        (["diary", "report", "--patient", "1", "--pdf", "{folder}"], "--pdf", "is a folder"),
        (["diary", "import", "{missing}/x.csv", "--patient", "1"], "FILE", "cannot read"),
        (["simulate", "baclofen 5 mg tid", "--csv", "{missing}/x.csv"], "--csv", "the folder"),
        (["simulate", "baclofen 5 mg tid", "--plot", "{folder}"], "--plot", "is a folder"),
        (["titrate", "baclofen", "--target", "20 mg tid", "--ics", "{missing}/x.ics"], "--ics",
         "cannot write"),
        (["check", "--order", "baclofen 5 mg tid", "--patient", "{missing}/p.yaml"], "--patient",
         "cannot read"),
        (["screen", "{folder}", "--html", "{missing}/x.html"], "--html", "the folder"),
        (["screen", "{folder}", "--out", "{file}"], "--out", "is a file"),
        (["kb", "validate", "--data", "{missing}"], "--data", "no manifest"),
        (["--knowledge", "{missing}", "drugs", "list"], "--knowledge", "not a knowledge folder"),
    ],
)  # fmt: skip
def test_file_errors_are_one_line_naming_the_option(
    cli: CliRunner, database: Path, args: list[str], option: str, problem: str
) -> None:
    (database / "a-file").write_text("x")
    where = {"missing": str(database / "missing"), "folder": str(database / "folder"),
             "file": str(database / "a-file")}  # fmt: skip
    out = cli(*[a.format(**where) for a in args])
    assert out.returncode == 2, (out.stdout, out.stderr)
    line = out.stderr.strip()
    assert "\n" not in line and line.startswith(f"error: {option}: "), line
    assert problem in line and "internal failure" not in line


def test_version(cli: CliRunner) -> None:
    from importlib.metadata import version

    out = cli("--version")
    assert out.returncode == 0 and out.stdout == f"myorelax {version('myorelax')}\n"
