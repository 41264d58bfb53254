"""The SIG grammar: examples from the architecture contract, frequencies, and errors that point
to where parsing stopped."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myorelax.clinical.sig import parse_sig
from myorelax.errors import InputError, SigParseError, UnitError, UnknownDrugError


@pytest.mark.parametrize(
    ("text", "drug", "dose_mg", "per_day", "code", "days", "prn"),
    [
        ("carisoprodol 350 mg tid+hs for 14 days", "carisoprodol", 350, 4, "tid+hs", 14, False),
        ("baclofen 10 mg po tid", "baclofen", 10, 3, "tid", None, False),
        ("tizanidine 4 mg q8h prn", "tizanidine", 4, 3, "q8h", None, True),
        ("Soma 350mg four times daily", "carisoprodol", 350, 4, "qid", None, False),
        ("1 tab baclofen 20 mg three times a day", "baclofen", 20, 3, "tid", None, False),
        ("2 tabs baclofen 10 mg tid", "baclofen", 20, 3, "tid", None, False),
        (
            "carisoprodol 350 mg three times a day and at bedtime",
            "carisoprodol",
            350,
            4,
            "tid+hs",
            None,
            False,
        ),
        ("cyclobenzaprine 5 mg TID x 7 days", "cyclobenzaprine", 5, 3, "tid", 7, False),
        ("methocarbamol 1,500 mg qid for 2 days", "methocarbamol", 1500, 4, "qid", 2, False),
        ("tizanidine 2 mg every 6 to 8 hours as needed", "tizanidine", 2, 4, "q6h", None, True),
        ("tizanidine 2 mg q6-8h", "tizanidine", 2, 4, "q6h", None, False),
        ("diazepam 5 mg at bedtime", "diazepam", 5, 1, "qhs", None, False),
        ("cyclobenzaprine 15 mg once daily for 2 weeks", "cyclobenzaprine", 15, 1, "qd", 14, False),
        ("orphenadrine 100 mg twice a day", "orphenadrine", 100, 2, "bid", None, False),
        ("dantrolene 25 mg 2 times a day", "dantrolene", 25, 2, "bid", None, False),
        ("baclofen 0.5 g daily", "baclofen", 500, 1, "qd", None, False),
        ("diazepam 10 mg once", "diazepam", 10, 1, "once", None, False),
        ("Zanaflex 4mg tid", "tizanidine", 4, 3, "tid", None, False),
    ],
)
def test_contract_examples(
    text: str, drug: str, dose_mg: float, per_day: float, code: str, days: float | None, prn: bool
) -> None:
    o = parse_sig(text)
    assert o.drug == drug
    assert o.dose_mg == pytest.approx(dose_mg)
    assert o.frequency is not None
    assert o.frequency.doses_per_day == per_day
    assert o.frequency.code == code
    assert o.duration_days == days
    assert o.prn is prn


def test_tid_hs_clock_times() -> None:
    o = parse_sig("carisoprodol 350 mg tid+hs")
    assert o.frequency is not None
    assert o.frequency.times == ("08:00", "13:00", "18:00", "22:00")


def test_intrathecal_rate_is_continuous() -> None:
    o = parse_sig("baclofen 400 mcg/day intrathecal")
    assert o.route == "intrathecal"
    assert o.frequency is not None and o.frequency.code == "continuous"
    assert o.dose is not None and o.dose.is_mass_rate


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("baclofen 10 mg", 14, "no frequency"),
        ("baclofen 10 mg tid sometimes", 19, "unexpected text"),
        ("baclofen 10 tid", 12, "needs a unit"),
        ("baclofen 10 mg q h", 17, "expected hours"),
        ("baclofen 10 mg tid for many days", 23, "expected a number"),
        ("baclofen 10 mg 30 times a day", 15, "whole number from 1 to 24"),
        ("", 0, "empty"),
    ],
)
def test_errors_show_where_parsing_stopped(text: str, where: int, problem: str) -> None:
    with pytest.raises(SigParseError) as info:
        parse_sig(text)
    assert info.value.position == where
    assert problem in str(info.value)
    assert "\u2038" in str(info.value)  # the caret marks the place


def test_unknown_drug_in_sig_suggests() -> None:
    with pytest.raises(UnknownDrugError) as info:
        parse_sig("baclophen 10 mg tid")
    assert info.value.suggestions[0] == "baclofen"


@pytest.mark.parametrize("text", ["carisoprodol 350 kg tid", "baclofen 10 mmHg tid"])
def test_non_dose_units_are_refused(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_sig(text)
    assert info.value.field in ("dose", "sig")


def test_kg_message_names_the_dose() -> None:
    with pytest.raises(UnitError, match="350 kg is not a dose"):
        parse_sig("carisoprodol 350 kg tid")


def test_negative_dose_is_a_parse_error() -> None:
    with pytest.raises(SigParseError):
        parse_sig("baclofen -10 mg tid")


@given(
    st.sampled_from(["baclofen", "tizanidine", "Soma", "cyclobenzaprine"]),
    st.integers(min_value=1, max_value=2000),
    st.sampled_from(["qd", "bid", "tid", "qid", "q6h", "q8h", "q12h", "tid+hs", "qhs"]),
)
def test_daily_dose_is_dose_times_frequency(drug: str, dose: int, freq: str) -> None:
    o = parse_sig(f"{drug} {dose} mg {freq}")
    assert o.frequency is not None
    assert o.daily_dose_mg == pytest.approx(dose * o.frequency.doses_per_day)
    assert len(o.frequency.times) == o.frequency.doses_per_day


@given(st.text(max_size=40))
def test_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_sig(text)
