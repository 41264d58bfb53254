"""Audit of bad command-line input (audit 8): every case is one stderr line naming the option or
field and the problem, exit 2; never a traceback, never "internal failure" (exit 1); echoed input
is short and on one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from myorelax.errors import one_line, shown
from tests.conftest import CliRunner

ORDER = ("check", "--order", "baclofen 10 mg tid")
PUMP = ("pump", "--reservoir-ml", "20", "--concentration-mcg-ml", "2000")


def refused(r: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one error line of a refusal (exit 2), which must hold every word."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "internal failure" not in lines[0] and "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def pid(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MYORELAX_DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    r = cli("patients", "add", "Ann", "--json")
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def test_echo_helpers_shorten_and_escape() -> None:
    assert shown("x" * 10_000) == f"{'x' * 80!r}... (10000 characters)"
    assert shown("\t\n") == "'\\t\\n'"
    assert one_line("a\nb") == "a\\nb"
    assert len(one_line("y" * 6_000_000)) < 450


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xbb\xff\x00binary", ("--patient", "not UTF-8")),
        (b"[" * 100_000 + b"]" * 100_000, ("--patient", "nested too deeply")),
        (b'{"age": 50}', ("age: not a patient field", "did you mean age_years?")),
        (b'{"age": [' + b"1," * 3_000_000 + b"1]}", ("age: not a patient field",)),
    ],
)
def test_patient_file(cli: CliRunner, tmp_path: Path, content: bytes, words: tuple[str]) -> None:
    f = tmp_path / "p.json"
    f.write_bytes(content)
    line = refused(cli(*ORDER, "--patient", str(f)), *words)
    assert len(line) < 500


@pytest.mark.parametrize(
    "args",
    [
        ("titrate", "baclofen", "--target", "20 mg tid", "--start", "9999-12-31"),
        ("taper", "baclofen 20 mg qid", "--start", "9999-12-31"),
        (*PUMP, "--dose-mcg-day", "200", "--last-refill", "9999-12-31"),
    ],
)
def test_year_9999_start(cli: CliRunner, args: tuple[str, ...]) -> None:
    refused(cli(*args), "9999-12-31 is not between 1900-01-01 and 2199-12-31")


@pytest.mark.parametrize("value", ["inf", "1e309", "1e300", "nan"])
def test_pump_dose_not_finite_or_absurd(cli: CliRunner, value: str) -> None:
    r = cli(*PUMP, "--dose-mcg-day", value, "--last-refill", "2026-01-01", "--json")
    refused(r, "--dose-mcg-day")
    assert r.stdout == ""


def test_pump_tiny_reservoir_names_reservoir(cli: CliRunner) -> None:
    r = cli("pump", "--reservoir-ml", "1e-300", "--concentration-mcg-ml", "2000",
            "--dose-mcg-day", "200", "--last-refill", "2026-01-01")  # fmt: skip
    refused(r, "--reservoir-ml", "--alarm-ml to set it")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        ((*ORDER, "--age", "50", "--child-pugh", ""), "--child-pugh"),
        ((*ORDER, "--age", "50", "--cyp2c19", " "), "--cyp2c19"),
        (("titrate", "baclofen", "--target", "20 mg tid", "--form", "\t\n"), "--form"),
    ],
)
def test_empty_option_is_an_error(cli: CliRunner, args: tuple[str, ...], option: str) -> None:
    refused(cli(*args), f"{option}: must not be empty")


def test_long_value_is_echoed_short(cli: CliRunner) -> None:
    line = refused(cli("titrate", "baclofen", "--start", "9" * 10_000), "--start", "(10000")
    assert len(line) < 200


def test_serve_port_and_host_checked_first(cli: CliRunner) -> None:
    refused(cli("serve", "--port", "99999"), "--port")
    refused(cli("serve", "--port", "-1"), "--port")
    refused(cli("serve", "--host", "not a host\U0001f48a"), "--host", "not an IP address")


def test_screen_name_too_long(cli: CliRunner) -> None:
    refused(cli("screen", "x" * 10_000, "--no-progress"), "PATH", "too long")


def test_patient_id_out_of_range(cli: CliRunner, pid: str) -> None:
    refused(cli("regimen", "set", "baclofen 10 mg tid", "--patient", "9" * 23), "--patient")
    refused(cli("diary", "export", "--patient", "0"), "--patient")


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "\U0001f48a", "../etc"])
def test_patient_time_zone(cli: CliRunner, pid: str, tz: str) -> None:
    refused(cli("patients", "add", "X", "--tz", tz), "--tz")


@pytest.mark.parametrize("at", ["-1", "", "2026-01-01T08:00", "0001-01-01T00:00+00:00"])
def test_diary_at_iso_with_offset(cli: CliRunner, pid: str, at: str) -> None:
    refused(cli("diary", "add", "--patient", pid, "--kind", "pain", "--value", "3", "--at", at),
            "--at")  # fmt: skip


def test_diary_ranges_consistent(cli: CliRunner, pid: str) -> None:
    for cmd in ("export", "report"):
        refused(cli("diary", cmd, "--patient", pid, "--from", ""), "--from: must not be empty")
        refused(cli("diary", cmd, "--patient", pid, "--from", "9999-12-31"), "--from")
        refused(cli("diary", cmd, "--patient", pid, "--from", "2150-01-01"), "--from", "is after")
    refused(cli("diary", "report", "--patient", pid, "--from", "0001-01-01", "--to",
                "9999-12-31"), "--from")  # fmt: skip


HEADER = "at,kind,drug,dose_mg,dose_status,value,severity,quality,symptom,items,text\n"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("big.csv", HEADER + "2026-01-01T08:00+00:00,note,,,,,,,,," + "x" * 200_000 + "\n",
         ("FILE: line 2", "field limit")),
        ("list.json", "[1, 2]", ("FILE", "JSON list")),
        ("str.json", '"hello"', ("FILE", "JSON str")),
        ("nul.csv", HEADER + "2026-01-01T08:00+00:00,note,,,,,,,,,a\0b\n",
         ("FILE: line 2", "NUL")),
    ],
)  # fmt: skip
def test_diary_import_bad_files(
    cli: CliRunner, pid: str, tmp_path: Path, name: str, content: str, words: tuple[str]
) -> None:
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    refused(cli("diary", "import", str(f), "--patient", pid), *words)
    r = cli("diary", "export", "--patient", pid)
    assert r.returncode == 0 and "no diary entries" in r.stderr  # nothing was stored


def test_diary_import_binary(cli: CliRunner, pid: str, tmp_path: Path) -> None:
    f = tmp_path / "bin.json"
    f.write_bytes(b"\xbb\xff\x00")
    refused(cli("diary", "import", str(f), "--patient", pid), "FILE", "not UTF-8")
