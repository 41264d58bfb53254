"""Suggestions while an order is typed: names and brands, then labelled strengths, then
frequencies; every full suggestion parses as SIG (a property over typed prefixes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myorelax.clinical.sig import parse_sig
from myorelax.clinical.sig_suggest import suggest_sig
from myorelax.knowledge.loader import load_knowledge
from myorelax.knowledge.terminology import default_terminology

KB = load_knowledge()
TERM = default_terminology()
ORDERS = ["tizanidine 4 mg tid", "carisoprodol 350 mg qid", "Soma 250 mg tid",
          "baclofen 10 mg tid", "cyclobenzaprine 5 mg tid", "Zanaflex 2 mg q8h prn"]  # fmt: skip


def suggest(text: str) -> list[str]:
    return suggest_sig(KB, TERM, text)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tiz", ["tizanidine"]),
        ("zana", ["Zanaflex", "Zanaflex Capsules"]),
        ("soma", ["Soma"]),
        ("tizanidine ", ["tizanidine 2 mg", "tizanidine 4 mg", "tizanidine 6 mg"]),
        ("baclofen 1", ["baclofen 10 mg"]),
        ("tizanidine 4 mg t", ["tizanidine 4 mg tid"]),
        ("Tizanidine 4 mg b", ["Tizanidine 4 mg bid"]),
    ],
)
def test_suggestions_complete_what_is_typed(typed: str, expected: list[str]) -> None:
    assert suggest(typed)[: len(expected)] == expected


def test_carisoprodol_strengths_are_the_labelled_ones() -> None:
    """Soma label §3: 250 mg and 350 mg tablets."""
    assert suggest("carisoprodol ") == ["carisoprodol 250 mg", "carisoprodol 350 mg"]


def test_a_misspelling_gets_the_closest_name_and_nonsense_gets_nothing() -> None:
    assert suggest("tizandine") == ["tizanidine"]
    assert suggest("xyzzy") == []
    assert suggest("   ") == []


def test_a_comedication_gets_no_invented_strengths() -> None:
    assert "oxycodone" in suggest("oxy")
    assert suggest("oxycodone ") == []


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ORDERS).flatmap(lambda s: st.integers(1, len(s)).map(lambda n: s[:n])))
def test_every_suggestion_continues_the_text_and_whole_orders_parse(typed: str) -> None:
    """Once the name is typed (a space follows it), suggestions only continue the text; a
    suggestion carrying a frequency is a whole order the SIG parser accepts."""
    for s in suggest(typed):
        if " " in typed.strip():
            assert s.lower().startswith(typed.strip().lower()), (typed, s)
        if len(s.split()) >= 4:
            assert parse_sig(s).frequency is not None
