"""Dosing records from regimens, models from the knowledge base, covariates and interactions."""

from __future__ import annotations

import numpy as np
import pytest

from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.knowledge.terminology import default_terminology
from myorelax.pk.covariates import individualise
from myorelax.pk.events import (
    DoseChange,
    DoseRecord,
    ExtraDose,
    MissedDose,
    expand_records,
    schedule_from_order,
)
from myorelax.pk.models import Effect, NoModelError, model_for, with_effects
from myorelax.pk.simulate import single_dose_cmax
from myorelax.pk.solver import CENTRAL, DEPOT, Structure

ORAL = Structure(1, "first_order")


def test_tid_hs_uses_its_clock_times_and_compresses_to_addl() -> None:
    s = schedule_from_order(parse_sig("carisoprodol 350 mg tid+hs"), ORAL, days=3)
    assert s.first_clock == "08:00"
    assert [(r.time_h, r.addl, r.ii_h) for r in s.records] == [
        (0.0, 2, 24.0), (5.0, 2, 24.0), (10.0, 2, 24.0), (14.0, 2, 24.0),
    ]  # fmt: skip
    assert list(s.doses.time_h[:5]) == [0.0, 5.0, 10.0, 14.0, 24.0]
    assert s.doses.time_h.size == 12


def test_an_order_capped_a_day_is_simulated_at_its_cap() -> None:
    """'q6h prn, max 3 doses/day': three doses a day at its first three clock times, as the
    check counts it; a cap that is not a whole number leaves the full frequency."""
    capped = schedule_from_order(parse_sig("tizanidine 4 mg q6h prn max 3 doses/day"), ORAL, days=2)
    assert list(capped.doses.time_h) == [0.0, 6.0, 12.0, 24.0, 30.0, 36.0]
    full = schedule_from_order(parse_sig("tizanidine 4 mg q6h prn"), ORAL, days=2)
    assert full.doses.time_h.size == 8
    odd = schedule_from_order(parse_sig("tizanidine 4 mg q6h prn max 10 mg/day"), ORAL, days=2)
    assert odd.doses.time_h.size == 8  # 2.5 doses a day: not a schedule


def test_missed_extra_and_changed_doses() -> None:
    order = parse_sig("baclofen 10 mg tid")
    s = schedule_from_order(
        order, ORAL, days=4,
        missed=[MissedDose(2, "14:00")], extra=[ExtraDose(30.5, 5.0)], changes=[DoseChange(3, 20.0)],
    )  # fmt: skip
    d = s.doses
    assert 30.0 not in set(d.time_h)  # day 2, 14:00 is 24 + 6 h
    assert (30.5, 5.0) in set(zip(d.time_h, d.amount_mg, strict=True))
    assert set(d.amount_mg[d.time_h >= 48]) == {20.0}
    assert set(d.amount_mg[(d.time_h < 48) & (d.time_h != 30.5)]) == {10.0}


def test_steady_state_adds_the_earlier_train() -> None:
    s = schedule_from_order(parse_sig("baclofen 10 mg bid"), ORAL, days=1, steady_state=True)
    d = s.doses
    assert list(d.time_h) == [-24.0, -12.0, 0.0, 12.0]
    assert list(d.ss_interval_h) == [24.0, 24.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("sig", "kw", "field"),
    [
        ("baclofen 10 mg tid", {"missed": [MissedDose(1, "09:00")]}, "missed"),
        ("baclofen 300 mcg/day intrathecal", {}, "dose"),
        ("baclofen 10 mg iv once", {}, "route"),
        ("baclofen 10 mg tid", {"days": 0}, "days"),
    ],
)
def test_bad_schedules_name_the_field(sig: str, kw: dict, field: str) -> None:
    with pytest.raises(InputError) as e:
        schedule_from_order(parse_sig(sig), ORAL, **{"days": 2, **kw})
    assert e.value.field == field


def test_dose_per_kg_needs_weight() -> None:
    iv = Structure(1, "iv_bolus")
    with pytest.raises(InputError, match="weight"):
        schedule_from_order(parse_sig("dantrolene 2.5 mg/kg iv once"), iv, days=1)
    s = schedule_from_order(parse_sig("dantrolene 2.5 mg/kg iv once"), iv, days=1, weight_kg=70)
    assert s.records == (DoseRecord(0.0, 175.0, CENTRAL),)


def test_records_validate_their_fields() -> None:
    with pytest.raises(InputError) as e:
        DoseRecord(0.0, 10.0, DEPOT, addl=3)
    assert e.value.field == "ii"
    rows = expand_records([DoseRecord(1.0, 10.0, DEPOT, ii_h=12, addl=2)])
    assert list(rows.time_h) == [1.0, 13.0, 25.0]


def test_every_model_loads_and_orphenadrine_says_it_has_none(kb: KnowledgeBase) -> None:
    for drug in kb.drugs:
        if kb.drugs[drug].pk.model is None:
            with pytest.raises(NoModelError):
                model_for(drug, kb)
            continue
        m = model_for(drug, kb)
        assert m.value("cl") > 0 and m.value("v") > 0
    assert kb.drugs["orphenadrine"].pk.model is None


def test_baclofen_clearance_follows_creatinine_clearance(kb: KnowledgeBase) -> None:
    """CL/F(CrCl) = 11.63 x (0.163 + 0.837 x min(CrCl, 100)/100): at CrCl 25, x0.37."""
    mono = kb.drugs["baclofen"]
    base = model_for("baclofen", kb)
    ind = individualise(base, mono, patient_from_data({"crcl_ml_min": 25}))
    assert ind.model.value("cl") == pytest.approx(11.63 * (0.163 + 0.837 * 25 / 100), rel=1e-9)
    high = individualise(base, mono, patient_from_data({"crcl_ml_min": 140}))
    assert high.model.value("cl") == pytest.approx(11.63)  # not raised above the reference
    unknown = individualise(base, mono, patient_from_data({}))
    assert unknown.model.value("cl") == pytest.approx(11.63)
    assert any("Kidney function unknown" in n for n in unknown.notes)
    dialysis = individualise(base, mono, patient_from_data({"dialysis": True}))
    assert dialysis.model.value("cl") == pytest.approx(11.63 * 0.163)


def test_cyp2c19_poor_metaboliser_carisoprodol(kb: KnowledgeBase) -> None:
    ind = individualise(
        model_for("carisoprodol", kb),
        kb.drugs["carisoprodol"],
        patient_from_data({"cyp2c19": "PM"}),
    )
    assert ind.model.value("cl") == pytest.approx(50 * 0.25)
    assert ind.model.value("fm") == pytest.approx(0.5)


def test_cyp1a2_inhibitors_on_tizanidine(kb: KnowledgeBase) -> None:
    """Fluvoxamine: AUC x33 and half-life x3 (label); ciprofloxacin: AUC x10 and the V/F factor
    solved so the simulated Cmax ratio is the reported x7."""
    term = default_terminology()
    mono = kb.drugs["tizanidine"]
    base = model_for("tizanidine", kb)
    p = patient_from_data({})
    cl, v = base.value("cl"), base.value("v")
    flu = individualise(base, mono, p, [term.resolve("fluvoxamine").ingredient]).model
    assert flu.value("cl") == pytest.approx(cl / 33)
    assert (flu.value("v") / flu.value("cl")) / (v / cl) == pytest.approx(3.0)
    cip = individualise(
        base, mono, p, [term.resolve("ciprofloxacin").ingredient], cmax_of=single_dose_cmax
    ).model
    assert cip.value("cl") == pytest.approx(cl / 10)
    assert single_dose_cmax(cip) / single_dose_cmax(base) == pytest.approx(7.0, rel=1e-3)
    both = individualise(
        base,
        mono,
        p,
        [term.resolve("ciprofloxacin").ingredient, term.resolve("fluvoxamine").ingredient],
    )
    assert both.model.value("cl") == pytest.approx(cl / 33)  # the strongest, not the product
    assert any("only the largest" in n for n in both.notes)
    assert np.isfinite(flu.value("v"))


def test_food_effects_that_hold_for_one_dosage_form(kb: KnowledgeBase) -> None:
    """Tizanidine with food: tablets absorb more (F x1.3) and a little later, capsules much later
    (label 12.3); with the form unknown neither is applied and a note says so."""
    mono = kb.drugs["tizanidine"]
    base = model_for("tizanidine", kb)
    p = patient_from_data({})
    tablet = individualise(base, mono, p, fed=True, form="tablet").model
    capsule = individualise(base, mono, p, fed=True, form="capsule").model
    assert tablet.value("f") == pytest.approx(1.3)
    assert capsule.value("f") == pytest.approx(1.1)
    assert capsule.value("ka") < tablet.value("ka") < base.value("ka")
    unknown = individualise(base, mono, p, fed=True)
    assert unknown.model.value("f") == 1.0 and unknown.model.value("ka") == base.value("ka")
    assert any("dosage form not given" in n for n in unknown.notes)
    fasted = individualise(base, mono, p, form="capsule")
    assert fasted.model.effects == () and not any("dosage form" in n for n in fasted.notes)


def test_a_model_with_two_routes_takes_oral_doses_into_the_depot(kb: KnowledgeBase) -> None:
    """Dantrolene: one intravenous disposition with an oral absorption; oral orders go through
    the depot (with F), intravenous ones into the central compartment, other routes are refused."""
    m = model_for("dantrolene", kb)
    assert m.structure.routes == ("intravenous", "oral")
    assert m.value("ka") > 0 and 0 < m.value("f") < 1
    oral = schedule_from_order(parse_sig("dantrolene 25 mg bid"), m.structure, days=1)
    assert {r.cmt for r in oral.records} == {DEPOT}
    iv = schedule_from_order(
        parse_sig("dantrolene 2.5 mg/kg iv once"), m.structure, days=1, weight_kg=70
    )
    assert iv.records == (DoseRecord(0.0, 175.0, CENTRAL),)
    with pytest.raises(InputError) as e:
        schedule_from_order(parse_sig("dantrolene 20 mg im once"), m.structure, days=1)
    assert e.value.field == "route"


def test_two_route_metrics_follow_the_route(kb: KnowledgeBase) -> None:
    """AUC carries F only for an oral dose; an intravenous dose has no absorption phase."""
    from myorelax.pk import metrics
    from myorelax.pk.population import typical_parameters

    m = model_for("dantrolene", kb)
    p = typical_parameters(m)
    oral = metrics.auc_inf_single_dose(m, p, 100.0, DEPOT)["dantrolene"][0]
    iv = metrics.auc_inf_single_dose(m, p, 100.0, CENTRAL)["dantrolene"][0]
    assert oral == pytest.approx(m.value("f") * iv)
    assert iv == pytest.approx(100.0 / m.value("cl"))
    hl_iv = metrics.half_lives(m, p, CENTRAL)["dantrolene"][0]
    assert hl_iv == pytest.approx(metrics.half_lives(m, p, DEPOT)["dantrolene"][0])
    slow = with_effects(m, (Effect("ka", 0.01 / m.value("ka"), "flip-flop"),))
    ps = typical_parameters(slow)
    assert metrics.half_lives(slow, ps, DEPOT)["dantrolene"][0] == pytest.approx(np.log(2) / 0.01)
    assert metrics.half_lives(slow, ps, CENTRAL)["dantrolene"][0] == pytest.approx(hl_iv)
