"""Orders built from typed parts (issue 19): plans and CDS suggestions no longer write SIG text
and parse it back. The order built from parts is the order its displayed text reads as."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from myorelax import load_knowledge, parse_sig
from myorelax.clinical.sig import scheduled_order

KB = load_knowledge()


@given(
    st.sampled_from(sorted(KB.drugs)),
    st.sampled_from([0.5, 2, 2.5, 4, 5, 10, 15, 20, 350, 400, 750, 800, 1500]),
    st.integers(1, 4),
)
def test_an_order_from_parts_equals_its_text_read_back(drug: str, mg: float, n: int) -> None:
    mono = KB.drugs[drug]
    built = scheduled_order(
        mono.id, mono.name, mono.identifiers.rxcui.value, dose_mg=mg, doses_per_day=n
    )
    assert built == parse_sig(built.text)
    assert built.doses_per_day == n and built.dose_mg == mg


def test_frequency_codes_are_a_closed_form_and_intervals_are_typed() -> None:
    """`Frequency.code` only takes the forms the SIG reader writes (issue 19: it was a free
    string tested with startswith("q")); an every-n-hours code carries its interval."""
    import pytest
    from pydantic import ValidationError

    from myorelax.clinical.regimen import Frequency
    from myorelax.errors import SigParseError

    assert parse_sig("baclofen 10 mg q8h").frequency.every_hours == 8.0  # type: ignore[union-attr]
    assert parse_sig("baclofen 10 mg tid").frequency.every_hours is None  # type: ignore[union-attr]
    assert parse_sig("carisoprodol 350 mg tid+hs").frequency.code == "tid+hs"  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        Frequency(code="quaque die", doses_per_day=1)
    # Every half hour would be 48 doses a day: refused as a SIG error naming the interval (it
    # was an internal validation error before).
    with pytest.raises(SigParseError, match="between 1 and 168 hours"):
        parse_sig("baclofen 10 mg q0.5h")
