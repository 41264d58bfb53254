"""Audit 8: `simulate` and the SIG reader answer bad input with one line naming the option and
the problem (exit 2), never an internal failure, and never ignore an event in silence."""

from __future__ import annotations

import time

import pytest

from myorelax.clinical.patient import Patient
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.knowledge.loader import load_knowledge
from myorelax.pk.simulate import MAX_POPULATION_VALUES, simulate_regimen
from tests.conftest import CliRunner

SIG = "baclofen 10 mg tid"


def one_error(r: object, *words: str) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)  # type: ignore[attr-defined]
    lines = r.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert "internal failure" not in lines[0] and "Traceback" not in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return str(lines[0])


@pytest.mark.parametrize("days", ["nan", "inf", "-1", "0", "366"])
def test_days_not_a_finite_length_is_refused_naming_days(cli: CliRunner, days: str) -> None:
    one_error(cli("simulate", SIG, "--days", days), "--days", "at most 365")


def test_negative_seed_is_refused_naming_seed(cli: CliRunner) -> None:
    one_error(cli("simulate", SIG, "--days", "1", "--population", "3", "--seed", "-1"),
              "--seed", "0 or more")  # fmt: skip


def test_library_refuses_a_negative_seed_too() -> None:
    with pytest.raises(InputError) as err:
        simulate_regimen(parse_sig(SIG), Patient(), load_knowledge(), days=1, population=3,
                         seed=-1)  # fmt: skip
    assert err.value.field == "seed"


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (("--extra", "999:5"), "extra", "999 h is not before the end of the simulation (48 h)"),
        (("--extra", "48:5"), "extra", "not before the end"),
        (("--change", "999:20"), "change", "day 999 is after the last simulated day (2)"),
        (("--change", "3:20"), "change", "day 3 is after the last simulated day (2)"),
        (("--missed", "99@08:00"), "missed", "no dose is scheduled on day 99"),
    ],
)
def test_events_outside_the_simulation_are_refused_like_a_missed_dose(
    cli: CliRunner, args: tuple[str, str], field: str, words: str
) -> None:
    line = one_error(cli("simulate", SIG, "--days", "2", *args), words)
    assert line.startswith(f"error: {field}:"), line


def test_events_inside_the_simulation_still_run(cli: CliRunner) -> None:
    r = cli("simulate", SIG, "--days", "2", "--extra", "47:5", "--change", "2:20", "--json")
    assert r.returncode == 0, r.stderr


def test_a_population_too_large_for_the_grid_is_refused_with_the_real_maximum(
    cli: CliRunner,
) -> None:
    """A million subjects over one day at 0.1 h (241 times) ran for more than 20 s (and over 7
    days would need 13 GB); the limit is on subjects x time points and says the maximum."""
    t0 = time.perf_counter()
    line = one_error(cli("simulate", SIG, "--days", "1", "--population", "1000000"),
                     "population", f"{MAX_POPULATION_VALUES:,}", "at most 82,987 subjects")  # fmt: skip
    assert "1,000,000" in line
    assert time.perf_counter() - t0 < 5


def test_a_large_population_within_the_limit_runs_in_seconds() -> None:
    kb = load_knowledge()
    order = parse_sig(SIG)
    simulate_regimen(order, Patient(), kb, days=1, population=100, seed=1)  # warm
    t0 = time.perf_counter()
    sim = simulate_regimen(order, Patient(), kb, days=1, step_h=1.0, population=200_000, seed=1)
    assert time.perf_counter() - t0 < 15
    pc = sim.analytes[0].metric_percentiles
    assert pc is not None and pc["cmax"]["p5"] < pc["cmax"]["p50"] < pc["cmax"]["p95"]


def test_robaxin_750_is_the_brand_with_its_strength(cli: CliRunner) -> None:
    order = parse_sig("Robaxin-750 2 tabs qid", field="order")
    assert (order.drug, order.dose_mg, order.tablets) == ("methocarbamol", 1500.0, 2.0)
    assert parse_sig("robaxin-750 mg qid").dose_mg == 750.0
    r = cli("check", "--order", "Robaxin-750 2 tabs qid", "--age", "50")
    assert r.returncode == 0, r.stderr
    assert "methocarbamol 1500 mg qid" in r.stdout


def test_a_brand_strength_not_made_is_said_not_understood(cli: CliRunner) -> None:
    line = one_error(cli("check", "--order", "Robaxin-600 2 tabs qid", "--age", "50"),
                     "order[0]", "strength 600", "not understood", "750 mg")  # fmt: skip
    assert "negative" not in line


def test_a_spaced_minus_is_still_a_negative_dose() -> None:
    with pytest.raises(InputError, match="a dose cannot be negative"):
        parse_sig("baclofen -5 mg tid")


def test_titrate_negative_target_says_negative_not_unknown_drug(cli: CliRunner) -> None:
    line = one_error(cli("titrate", "baclofen", "--target", "-5 mg tid"),
                     "--target", "a dose cannot be negative")  # fmt: skip
    assert "unknown drug" not in line


def test_a_dose_that_changes_over_time_is_simulated_as_its_dose_changes(cli: CliRunner) -> None:
    """'baclofen 5 mg tid x 3 days then 10 mg tid' is the first step with a dose change on day
    4, the same simulation as '--change 4:10' (it was refused as 'a split dose')."""
    import json

    stepped = cli("simulate", "baclofen 5 mg tid x 3 days then 10 mg tid", "--days", "7", "--json")
    assert stepped.returncode == 0, stepped.stderr
    changed = cli("simulate", "baclofen 5 mg tid", "--days", "7", "--change", "4:10", "--json")
    got, want = json.loads(stepped.stdout), json.loads(changed.stdout)
    assert got["dosing_records"] == want["dosing_records"]
    assert got["analytes"] == want["analytes"]
    assert got["regimen"].startswith("baclofen 5 mg tid x 3 days then 10 mg tid")


def test_steps_that_change_the_frequency_are_refused_naming_the_change_option(
    cli: CliRunner,
) -> None:
    one_error(
        cli("simulate", "tizanidine 2 mg qhs x 3 days then 2 mg bid", "--days", "7"),
        "changes over time",
        "--change DAY:AMOUNT",
    )
