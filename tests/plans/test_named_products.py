"""A plan follows the product its brand names.

Before: a taper from 'Amrix 15 mg daily' (cyclobenzaprine extended-release capsules, 15-30 mg
once daily, AMRIX 2) was judged against the immediate-release tablets' 10 mg maximum and
refused as 'above the labelled maximum'; 'titrate Ozobax' (baclofen oral solution) gave a plan
in baclofen tablets without saying that it was not the product asked for.
"""

from __future__ import annotations

from datetime import date

import pytest

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.errors import InputError
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from tests.conftest import CliRunner

KB = load_knowledge()
START = date(2026, 12, 8)
ADULT = patient_from_data({"age_years": 45, "egfr_ml_min": 90})


@pytest.mark.parametrize("sig", ["Amrix 15 mg daily", "cyclobenzaprine 15 mg daily"])
def test_a_taper_from_the_extended_release_capsule_uses_its_own_entry(sig: str) -> None:
    plan = plan_taper(parse_sig(sig), ADULT, kb=KB, start=START)
    assert "capsule (extended release)" in plan.formulation


def test_an_immediate_release_dose_stays_with_the_tablets() -> None:
    plan = plan_taper(parse_sig("cyclobenzaprine 10 mg tid"), ADULT, kb=KB, start=START)
    assert plan.formulation.startswith("tablet (immediate release)")


def test_a_plan_for_a_liquid_brand_is_refused_naming_it() -> None:
    with pytest.raises(InputError) as taper:
        plan_taper(parse_sig("Ozobax 10 mg tid"), ADULT, kb=KB, start=START)
    assert taper.value.field == "sig" and "Ozobax is baclofen oral solution" in str(taper.value)
    with pytest.raises(InputError) as titration:
        plan_titration(KB.drugs["baclofen"], ADULT, kb=KB, start=START, named="Ozobax")
    assert titration.value.field == "drug"


def test_the_cli_says_it_in_one_line(cli: CliRunner) -> None:
    result = cli("titrate", "Ozobax")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: drug: Ozobax is baclofen oral solution")
    assert cli("titrate", "baclofen").returncode == 0
