"""Audit of `myorelax diary` on a temporary database: a save that replaces an earlier value
says what it was and what it is now; bad ratings name the option; an unlisted side effect is
said to be kept as other; an export without dates exports everything and says how much."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CliRunner


@pytest.fixture
def pid(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MYORELAX_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    r = cli("patients", "add", "Ann", "--tz", "Europe/Paris", "--json")
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def add(cli: CliRunner, pid: str, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("diary", "add", "--patient", pid, *args)


def test_replaced_dose_and_pain_are_said(cli: CliRunner, pid: str) -> None:
    """One planned dose per slot (same drug, same day, within 2 h) and one pain per day are
    the store's rules (save_entries): a second save replaces the first in place. The person
    must be told on one line what it was and what it is now, not just "entry 1 saved"."""
    dose = ("--kind", "dose", "--drug", "baclofen", "--status", "planned",
            "--at", "2026-11-02T14:00+01:00")  # fmt: skip
    assert add(cli, pid, *dose, "--dose-mg", "10000", "--confirm-above-max").returncode == 0
    r = add(cli, pid, *dose, "--dose-mg", "10")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "replaced" in x)
    assert "was baclofen 10000 mg" in line and "now baclofen 10 mg" in line
    assert add(cli, pid, "--kind", "pain", "--value", "5", "--at",
               "2026-11-02T08:00+01:00").returncode == 0  # fmt: skip
    r = add(cli, pid, "--kind", "pain", "--value", "9", "--at", "2026-11-02T21:00+01:00", "--json")
    body = json.loads(r.stdout)
    assert body["value"] == 9 and [e["value"] for e in body["replaced"]] == [5]


def test_half_point_pain_is_refused_naming_the_option(cli: CliRunner, pid: str) -> None:
    """The NRS takes whole numbers 0-10 (Hawker 2011, docs/diary.md): exit 2, one line that
    names --value, no traceback, nothing stored."""
    r = add(cli, pid, "--kind", "pain", "--value", "5.5", "--at", "2026-11-02T08:00+01:00")
    assert r.returncode == 2
    assert "--value" in r.stderr and "whole number" in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_unlisted_side_effect_is_said_and_kept(cli: CliRunner, pid: str) -> None:
    """ "itching" is not a listed side effect: stored as "other: itching" and the person told."""
    r = add(cli, pid, "--kind", "side_effect", "--symptom", "itching", "--severity", "1",
            "--at", "2026-11-02T08:00+01:00")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "not one of" in r.stderr and "other" in r.stderr
    assert "other: itching" in r.stdout


def test_export_without_dates_exports_everything(cli: CliRunner, pid: str) -> None:
    """An entry a year old was left out by the default 28 days, giving a bare header and no
    word: without --from/--to the whole diary is exported and the count is said; an empty
    range is said too."""
    assert add(cli, pid, "--kind", "pain", "--value", "4",
               "--at", "2025-01-02T08:00+01:00").returncode == 0  # fmt: skip
    r = cli("diary", "export", "--patient", pid)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) == 2 and "2025-01-02" in r.stdout
    assert "1 entry from the first entry" in r.stderr
    r = cli("diary", "export", "--patient", pid, "--from", "2026-01-01")
    assert "no diary entries from 2026-01-01" in r.stderr


def test_a_dose_above_the_labelled_maximum_needs_confirmation(cli: CliRunner, pid: str) -> None:
    """Baclofen: 20 mg is the largest single dose and 80 mg/day the daily maximum in the label
    (knowledge base, dosing). As the REST API and the web diary do, the CLI refuses a dose above
    it in one line naming --confirm-above-max, and records it with the flag, warning."""
    dose = ("--kind", "dose", "--drug", "baclofen", "--status", "extra",
            "--at", "2026-11-03T09:00+01:00")  # fmt: skip
    r = add(cli, pid, *dose, "--dose-mg", "100")
    assert r.returncode == 2 and "--confirm-above-max" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = add(cli, pid, *dose, "--dose-mg", "100", "--confirm-above-max")
    assert r.returncode == 0 and "warning:" in r.stderr
