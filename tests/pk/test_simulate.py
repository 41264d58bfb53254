"""The clinical simulation: metrics, populations, comparison with a typical adult."""

from __future__ import annotations

import math

import numpy as np
import pytest

from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.models import model_for
from myorelax.pk.population import sample_parameters
from myorelax.pk.serialize import simulation_to_dict
from myorelax.pk.simulate import simulate_regimen


def sim(kb: KnowledgeBase, sig: str, patient: dict | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return simulate_regimen(parse_sig(sig), patient_from_data(patient or {}), kb, **kw)  # type: ignore[arg-type]


def test_steady_state_metrics_match_formulas(kb: KnowledgeBase) -> None:
    """Baclofen every 8 h for 7 days: AUC over a day = 3 x F x Dose / CL; accumulation and
    time to 90% of steady state from the terminal rate."""
    r = sim(kb, "baclofen 20 mg q8h", days=7, step_h=0.05)
    a = r.analytes[0]
    assert r.tau_h == 24.0
    assert a.auc_tau == pytest.approx(3 * 20 / 11.6, rel=2e-3)
    k = 11.6 / 72.8
    assert a.half_life_h == pytest.approx(math.log(2) / k, rel=1e-6)
    assert a.time_to_90pct_steady_state_h == pytest.approx(math.log(10) / k, rel=1e-6)
    # Accumulation = AUC of the last day / AUC of the first day. For one compartment with
    # first-order absorption, the fraction of a dose's total AUC reached u hours after it is
    # 1 - (ka exp(-k u) - k exp(-ka u)) / (ka - k).
    ka = 1.64

    def frac(u: float) -> float:
        return 1 - (ka * math.exp(-k * u) - k * math.exp(-ka * u)) / (ka - k)

    first_day = sum(frac(24 - 8 * j) for j in range(3)) / 3
    assert a.accumulation_ratio == pytest.approx(1 / first_day, rel=2e-3)
    assert a.cmin is not None and a.cmin < a.cmax


def test_kidney_function_raises_baclofen_exposure(kb: KnowledgeBase) -> None:
    r = sim(kb, "baclofen 20 mg tid", {"crcl_ml_min": 25}, days=7, compare_normal=True)
    (c,) = r.comparison
    assert c.auc_ratio == pytest.approx(1 / (0.31 + 0.69 * 25 / 133), rel=2e-3)
    assert 1 < c.cmax_ratio < c.auc_ratio


def test_population_is_reproducible_with_a_seed(kb: KnowledgeBase) -> None:
    a = sim(kb, "baclofen 10 mg tid", days=2, population=300, seed=7)
    b = sim(kb, "baclofen 10 mg tid", days=2, population=300, seed=7)
    pa, pb = a.analytes[0].percentiles, b.analytes[0].percentiles
    assert pa is not None and pb is not None
    np.testing.assert_array_equal(pa["p95"], pb["p95"])
    assert np.all(pa["p5"] <= pa["p50"]) and np.all(pa["p50"] <= pa["p95"])


def test_sampled_variability_matches_omega(kb: KnowledgeBase) -> None:
    """Baclofen CL CV 21%: the SD of log CL is sqrt(ln(1 + 0.21^2))."""
    m = model_for("baclofen", kb)
    p = sample_parameters(m, 40000, np.random.default_rng(1))
    assert np.std(np.log(p.cl_l_per_h)) == pytest.approx(math.sqrt(math.log1p(0.21**2)), rel=0.03)
    assert np.median(p.cl_l_per_h) == pytest.approx(11.6, rel=0.02)


def test_json_contract(kb: KnowledgeBase) -> None:
    d = simulation_to_dict(sim(kb, "carisoprodol 350 mg tid", days=2))
    assert {"drug", "regimen", "patient", "analytes", "times_h", "concentrations"} <= set(d)
    names = [a["name"] for a in d["analytes"]]
    assert names == ["carisoprodol", "meprobamate"]
    for a in d["analytes"]:
        assert {"unit", "cmax", "tmax_h", "cmin", "auc_tau", "auc_inf", "auc_unit",
                "half_life_h", "accumulation_ratio", "percentiles"} <= set(a)  # fmt: skip
    assert len(d["concentrations"]["meprobamate"]) == len(d["times_h"])


def test_non_relaxant_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match="only the muscle relaxants"):
        sim(kb, "ciprofloxacin 500 mg bid")
