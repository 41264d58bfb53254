"""Issue 21: doses are never printed in scientific notation (`carisoprodol 35000 mg tid` showed
"3.5e+04 mg"), in the command line's table and JSON alert texts alike."""

from __future__ import annotations

import json

import pytest

from myorelax.units import plain_number
from tests.conftest import CliRunner


@pytest.mark.parametrize(
    ("value", "text"),
    [(35000, "35,000"), (105000.0, "105,000"), (1400, "1400"), (350.0, "350"), (0.25, "0.25"),
     (12.345678, "12.35"), (1e6, "1,000,000"), (5e-05, "0.00005"), (-0.0, "0")],
)  # fmt: skip
def test_plain_number(value: float, text: str) -> None:
    assert plain_number(value) == text


def test_check_prints_large_doses_plainly(cli: CliRunner) -> None:
    out = cli("check", "--order", "carisoprodol 35000 mg tid", "--age", "40")
    assert out.returncode == 0, out.stderr
    assert "e+0" not in out.stdout
    assert "35,000 mg" in out.stdout and "105,000 mg/day" in out.stdout
    out = cli("check", "--order", "carisoprodol 35000 mg tid", "--age", "40", "--json")
    report = json.loads(out.stdout)
    texts = " ".join(a["summary"] + a["detail"] for a in report["alerts"])
    assert "e+0" not in texts and "35,000 mg" in texts
