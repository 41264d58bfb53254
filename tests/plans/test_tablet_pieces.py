"""One rule for splitting tablets, used by the dose check and by the plans (issue 19): a scored
tablet splits along its score (chlorzoxazone 750 mg in thirds, not halves), and every dose a
plan makes from tablets is a dose the check accepts as makeable."""

from __future__ import annotations

import pytest

from myorelax.knowledge.loader import load_knowledge
from myorelax.plans.tablets import formulations, make_dose
from myorelax.safety.checks.dose import _units_of, dose_is_makeable

KB = load_knowledge()


def product(drug: str, pid: str):  # type: ignore[no-untyped-def]
    return next(p for p in KB.drugs[drug].products if p.id == pid)


def test_chlorzoxazone_750_splits_in_thirds_and_500_in_halves() -> None:
    assert product("chlorzoxazone", "tablet-750").piece_divisors == (1, 3)
    assert product("chlorzoxazone", "tablet-500").piece_divisors == (1, 2)


def test_an_unscored_tablet_is_only_whole() -> None:
    assert product("chlorzoxazone", "tablet-375").piece_divisors == (1,)


@pytest.mark.parametrize("drug", sorted(KB.drugs))
def test_every_planned_dose_is_makeable_for_the_dose_check(drug: str) -> None:
    mono = KB.drugs[drug]
    units, _liquid = _units_of(mono, "oral")
    for dosing in mono.dosing:
        if dosing.route != "oral":
            continue
        try:
            families = formulations(mono, dosing)
        except Exception:  # no solid oral product to plan with
            continue
        for family in families:
            pieces = sorted({p.mg for p in family.pieces})
            for dose in {round(a + b, 4) for a in pieces for b in [0.0, *pieces]}:
                if make_dose(dose, family) is not None:
                    assert dose_is_makeable(dose, units), (drug, dose, family.label)
            for piece in family.pieces:  # and nothing the plans refuse to cut is a check unit
                assert any(abs(piece.mg - u) < 1e-9 for u in units), (drug, piece)
