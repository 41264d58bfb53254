"""The safety check and the PK simulator (as `myorelax check --json` and `simulate --json`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from myorelax.api.compute import compute
from myorelax.api.deps import AppState, State, User
from myorelax.api.errors import problem_responses
from myorelax.api.schemas import CheckIn, SimulateIn
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError
from myorelax.pk.events import DoseChange, ExtraDose, MissedDose
from myorelax.pk.serialize import simulation_to_dict
from myorelax.pk.simulate import (
    DosingEvents,
    OutputGrid,
    PopulationSpec,
    RegimenRequest,
    simulate_request,
)
from myorelax.reports.views import to_jsonable
from myorelax.safety.alert import CheckReport
from myorelax.safety.engine import evaluate_regimen
from myorelax.units import parse_concentration

router = APIRouter(prefix="/api/v1", tags=["clinical"])
PROBLEMS = problem_responses(401, 413, 422)
MAX_POINTS = 200_000
MAX_VALUES = 20_000_000


@router.post("/check", response_model=CheckReport, response_model_exclude_none=True,
             responses=PROBLEMS)  # fmt: skip
async def check(body: CheckIn, st: State, _user: User) -> Any:
    """Check orders (and drugs being stopped) against a patient and their medications:
    graded, explained, cited alerts."""
    return await compute(st, _check, body, st)


def _check(body: CheckIn, st: AppState) -> Any:
    if not body.orders and not body.stopping and not body.patient.medications:
        raise InputError("give at least one order (or stopping, or current medications)",
                         field="orders")  # fmt: skip
    patient = patient_from_data(body.patient.data(), st.term)
    regimen = regimen_from(body.orders, body.stopping, start=body.date, terminology=st.term)
    return to_jsonable(
        evaluate_regimen(patient, regimen, kb=st.kb, terminology=st.term, today=body.date)
    )


@router.post("/simulate", responses=PROBLEMS)
async def simulate(body: SimulateIn, st: State, _user: User) -> dict[str, Any]:
    """Concentrations over time (parent and metabolite) with exposure metrics, for a typical
    adult or this patient, optionally with a simulated population."""
    return await compute(st, _simulate, body, st)


def _simulate(body: SimulateIn, st: AppState) -> dict[str, Any]:
    points = body.days * 24 / body.step_h
    if points > MAX_POINTS or points * max(1, body.population) > MAX_VALUES:
        raise InputError("too many output points: raise step_h or lower days or population",
                         field="step_h")  # fmt: skip
    order = parse_sig(body.sig, field="sig", terminology=st.term)
    patient = patient_from_data(body.patient.data(), st.term)
    comeds = [st.term.ingredient(m.drug) for m in patient.medications if m.drug != order.drug]
    request = RegimenRequest(
        order=order,
        patient=patient,
        comedications=tuple(comeds),
        fed=body.fed,
        events=DosingEvents(
            missed=tuple(MissedDose(m.day, m.clock.zfill(5)) for m in body.missed),
            extra=tuple(ExtraDose(e.hours, e.amount_mg) for e in body.extra),
            changes=tuple(DoseChange(c.day, c.amount_mg) for c in body.changes),
            steady_state=body.steady_state,
            infusion_h=body.infusion_h,
        ),
        grid=OutputGrid(days=body.days, step_h=body.step_h),
        population=PopulationSpec(subjects=body.population, seed=body.seed, residual=body.residual),
        compare_normal=body.compare_normal,
        threshold_mg_l=None if body.threshold is None else parse_concentration(body.threshold),
    )
    sim = simulate_request(request, st.kb)
    return simulation_to_dict(sim, include_profiles=body.include_profiles)
