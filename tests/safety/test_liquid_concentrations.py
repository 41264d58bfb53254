"""A dose in mL is a dose only with the liquid's concentration. Baclofen liquids come in three:
Ozobax oral solution 1 mg/mL (5 mg/5 mL), generic oral solution 2 mg/mL (10 mg/5 mL) and the
FLEQSUVY oral suspension 5 mg/mL (25 mg/5 mL). 'Fleqsuvy 2 mL tid' is 10 mg a dose; it was read
as 2 mg (the Ozobax concentration), a five-fold under-count that hid a start above the labelled
5 mg. A brand names its product's concentration; a generic name alone in mL is refused, naming
the concentrations, never assumed."""

from __future__ import annotations

from datetime import date

import pytest

from myorelax import load_knowledge
from myorelax.clinical.inputs import patient_from_data, regimen_from
from myorelax.errors import InputError
from myorelax.safety.checks.common import order_dose_mg
from myorelax.safety.engine import evaluate_regimen

KB = load_knowledge()
BACLOFEN = KB.drugs["baclofen"]
TODAY = date(2026, 12, 7)


def _dose_mg(text: str) -> float | None:
    (order,) = regimen_from([text], [], start=TODAY).orders
    return order_dose_mg(BACLOFEN, order)


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("Fleqsuvy 2 mL tid", 10.0),  # 5 mg/mL
        ("Ozobax 10 mL tid", 10.0),  # 1 mg/mL
        ("Ozobax 5 mg/5 mL 10 mL tid", 10.0),
        ("baclofen oral suspension 25 mg/5 mL 1 mL tid", 5.0),  # the line's own concentration
        ("baclofen 10 mg/5 mL oral solution 5 mL tid", 10.0),
        ("Lyvispah 10 mg tid", 10.0),  # granules, in mg
    ],
)
def test_a_volume_is_read_with_its_products_concentration(text: str, mg: float) -> None:
    assert _dose_mg(text) == pytest.approx(mg)


def test_a_volume_of_the_generic_name_alone_is_refused_naming_the_concentrations() -> None:
    with pytest.raises(InputError) as exc:
        _dose_mg("baclofen 10 mL tid")
    assert exc.value.field == "dose"
    assert "1 mg/mL, 2 mg/mL, 5 mg/mL" in str(exc.value)


def test_fleqsuvy_start_above_the_labelled_5_mg_alerts() -> None:
    patient = patient_from_data({"age_years": 40, "egfr_ml_min": 90, "allergies": []})
    report = evaluate_regimen(patient, regimen_from(["Fleqsuvy 2 mL tid"], [], start=TODAY), kb=KB)
    starts = [a for a in report.alerts if a.code == "MRX-DOSE-004"]
    assert starts and "10 mg" in starts[0].summary


def test_a_diazepam_volume_needs_its_liquid_named() -> None:
    """Diazepam oral solution is 5 mg/5 mL and the oral concentrate (Intensol) 5 mg/mL: 5 mL is
    5 mg or 25 mg. A volume of 'diazepam' alone was read at the 1 mg/mL solution."""
    diazepam = KB.drugs["diazepam"]

    def mg(text: str) -> float | None:
        (order,) = regimen_from([text], [], start=TODAY).orders
        return order_dose_mg(diazepam, order)

    assert mg("Diazepam Intensol 1 mL tid") == pytest.approx(5.0)
    assert mg("diazepam 5 mg/5 mL oral solution 5 mL tid") == pytest.approx(5.0)
    with pytest.raises(InputError, match="1 mg/mL, 5 mg/mL"):
        mg("diazepam 5 mL tid")


@pytest.mark.parametrize(
    ("drug", "text", "mg"),
    [
        ("methocarbamol", "methocarbamol 10 mL IV q8h", 1000.0),  # Robaxin injection 100 mg/mL
        ("orphenadrine", "Norflex 2 mL IM q12h", 60.0),  # 30 mg/mL, given IV or IM
        ("diazepam", "diazepam 2 mL IV once", 10.0),  # 5 mg/mL
    ],
)
def test_a_volume_of_an_injection_is_read_by_the_route(drug: str, text: str, mg: float) -> None:
    """Injections are ordered in mL; the volume was read only against oral liquids (refused as
    'has no oral liquid'). An injection serves intravenous and intramuscular orders alike."""
    (order,) = regimen_from([text], [], start=TODAY).orders
    assert order_dose_mg(KB.drugs[drug], order) == pytest.approx(mg)


def test_a_volume_by_a_route_without_a_liquid_is_refused_naming_the_route() -> None:
    (order,) = regimen_from(["cyclobenzaprine 2 mL IM once"], [], start=TODAY).orders
    with pytest.raises(InputError, match="has no intramuscular liquid"):
        order_dose_mg(KB.drugs["cyclobenzaprine"], order)
