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
