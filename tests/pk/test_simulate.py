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


Triple = tuple[float, float, float]


def _two_compartment_oral(
    ka: float, cl: float, v1: float, q: float, v2: float
) -> tuple[Triple, Triple]:
    """Closed form of the two-compartment oral model (Gibaldi and Perrier): the exponents
    (alpha, beta, ka) and the coefficients of a unit dose's concentration, so that
    C(t) = sum A_i exp(-lambda_i t)."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    alpha = 0.5 * (s + math.sqrt(s * s - 4 * k10 * k21))
    beta = k10 * k21 / alpha
    lam = (alpha, beta, ka)
    a_alpha = ka / v1 * (k21 - alpha) / ((ka - alpha) * (beta - alpha))
    a_beta = ka / v1 * (k21 - beta) / ((ka - beta) * (alpha - beta))
    a_ka = ka / v1 * (k21 - ka) / ((alpha - ka) * (beta - ka))
    return lam, (a_alpha, a_beta, a_ka)


def test_steady_state_metrics_match_formulas(kb: KnowledgeBase) -> None:
    """Baclofen (two compartments) every 8 h for 7 days: AUC over a day = 3 x F x Dose / CL;
    half-life, time to 90% of steady state and accumulation from the closed-form solution."""
    m = model_for("baclofen", kb)
    ka, cl, v1, q, v2 = (m.value(k) for k in ("ka", "cl", "v", "q", "v2"))
    r = sim(kb, "baclofen 20 mg q8h", days=7, step_h=0.05)
    a = r.analytes[0]
    assert r.tau_h == 24.0
    assert a.auc_tau == pytest.approx(3 * 20 / cl, rel=2e-3)
    lam, coef = _two_compartment_oral(ka, cl, v1, q, v2)
    terminal = min(lam)
    assert a.half_life_h == pytest.approx(math.log(2) / terminal, rel=1e-6)
    assert a.time_to_90pct_steady_state_h == pytest.approx(math.log(10) / terminal, rel=1e-6)
    assert sum(c / k for c, k in zip(coef, lam, strict=True)) == pytest.approx(1 / cl, rel=1e-9)

    # Accumulation = AUC over a dosing interval at steady state / AUC over that interval after
    # a single dose = AUC(0-inf) / AUC(0-8 h) of one dose; the fraction of a dose's total AUC
    # reached u hours after it is cl x sum A_i (1 - exp(-lambda_i u)) / lambda_i.
    def frac(u: float) -> float:
        return cl * sum(c / k * (1 - math.exp(-k * u)) for c, k in zip(coef, lam, strict=True))

    assert a.accumulation_ratio == pytest.approx(1 / frac(8), rel=2e-3)
    assert a.cmin is not None and a.cmin < a.cmax


def test_kidney_function_raises_baclofen_exposure(kb: KnowledgeBase) -> None:
    """AUC ratio = 1 / (1 - fr + fr x CrCl / reference CrCl), the fitted renal covariate."""
    r = sim(kb, "baclofen 20 mg tid", {"crcl_ml_min": 25}, days=7, compare_normal=True)
    (c,) = r.comparison
    assert c.auc_ratio == pytest.approx(1 / (0.163 + 0.837 * 25 / 100), rel=2e-3)
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


def test_the_dosage_form_named_in_the_order_selects_its_food_effect(kb: KnowledgeBase) -> None:
    """Tizanidine with a high-fat meal: food raises the tablet's peak and lowers the capsule's
    (Zanaflex label 12.3; Henney 2007). The order's words choose the form; with neither, the
    simulation says which form-specific effects it could not apply."""
    tab = sim(kb, "tizanidine 4 mg tab tid", days=1, fed=True)
    cap = sim(kb, "tizanidine 4 mg capsule tid", days=1, fed=True)
    unknown = sim(kb, "tizanidine 4 mg tid", days=1, fed=True)
    assert cap.analytes[0].cmax < unknown.analytes[0].cmax < tab.analytes[0].cmax
    assert not any("dosage form not given" in n for n in (*tab.notes, *cap.notes))
    said = [n for n in unknown.notes if "dosage form not given" in n]
    assert len(said) == 1 and "tablet" in said[0] and "capsule" in said[0]


def test_a_volume_of_a_named_liquid_is_simulated_as_its_mg(kb: KnowledgeBase) -> None:
    """Fleqsuvy is 5 mg/mL and Ozobax 1 mg/mL: 2 mL of the one and 10 mL of the other are both
    10 mg of baclofen; a volume of 'baclofen' alone (liquids of 1, 2 and 5 mg/mL) is refused."""
    ten = sim(kb, "baclofen 10 mg tid", days=2).analytes[0].cmax
    fleqsuvy = sim(kb, "Fleqsuvy 2 mL tid", days=2)
    assert fleqsuvy.analytes[0].cmax == pytest.approx(ten)
    assert any("2 mL simulated as 10 mg" in n for n in fleqsuvy.notes)
    assert sim(kb, "Ozobax 10 mL tid", days=2).analytes[0].cmax == pytest.approx(ten)
    with pytest.raises(InputError) as exc:
        sim(kb, "baclofen 10 mL tid", days=2)
    assert exc.value.field == "dose" and "ambiguous" in str(exc.value)
