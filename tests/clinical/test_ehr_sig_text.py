"""Dose text as EHRs print it and as clinicians write patches.

An EHR's medication list line ('cyclobenzaprine (FLEXERIL) 10 MG tablet Take 1 tablet (10 mg
total) by mouth 3 (three) times daily as needed for muscle spasms.') restates the brand, the
total and every number in words; a transdermal patch is dosed per hour ('fentanyl 25 mcg/hr patch
q72h'). Before this reading a patch line was 'not a drug known here' (the '/hr' was taken for a
second drug 'hr patch'), so carisoprodol with a fentanyl patch raised no interaction alert; an EHR
line was read as the drug only, its dose unchecked."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myorelax.clinical.inputs import medication_orders
from myorelax.clinical.sig import parse_medication, parse_sig
from myorelax.errors import SigParseError, UnknownDrugError

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "cds-hooks"


def read(text: str) -> tuple[str, float | None, str | None, float | None, str | None, str, bool]:
    (o,) = parse_medication(text).orders
    assert o.dose is not None and o.frequency is not None
    return (o.drug, o.dose.value, o.dose.unit, o.tablets, o.route, o.frequency.code, o.prn)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cyclobenzaprine (FLEXERIL) 10 MG tablet Take 1 tablet (10 mg total) by mouth "
            "3 (three) times daily as needed for muscle spasms.",
            ("cyclobenzaprine", 10, "mg", 1, "oral", "tid", True),
        ),
        (
            "tiZANidine (ZANAFLEX) 4 MG tablet Take 1 tablet (4 mg total) by mouth every "
            "8 (eight) hours as needed.",
            ("tizanidine", 4, "mg", 1, "oral", "q8h", True),
        ),
        (
            "methocarbamol (ROBAXIN) 750 MG tablet Take 2 tablets (1,500 mg total) by mouth "
            "4 (four) times daily.",
            ("methocarbamol", 750, "mg", 2, "oral", "qid", False),
        ),
        (
            "oxyCODONE (ROXICODONE) 5 MG immediate release tablet Take 1 tablet (5 mg total) "
            "by mouth every 6 (six) hours as needed for severe pain.",
            ("oxycodone", 5, "mg", 1, "oral", "q6h", True),
        ),
        ("carisoprodol 350 mg, take 1 tab tid", ("carisoprodol", 350, "mg", 1, None, "tid", False)),
        # a patch: a rate per hour, worn on the skin, changed every so many hours or days
        (
            "fentanyl 25 mcg/hr patch q72h",
            ("fentanyl", 25, "mcg/h", None, "transdermal", "q72h", False),
        ),
        (
            "fentaNYL (DURAGESIC) 25 mcg/hr Place 1 patch onto the skin every 72 (seventy-two) hours.",
            ("fentanyl", 25, "mcg/h", 1, "transdermal", "q72h", False),
        ),
        (
            "fentanyl 12 mcg per hour transdermal every 3 days",
            ("fentanyl", 12, "mcg/h", None, "transdermal", "q72h", False),
        ),
        (
            "Duragesic 50 mcg/hr every third day",
            ("fentanyl", 50, "mcg/h", None, None, "q72h", False),
        ),
        (
            "buprenorphine (BUTRANS) 10 mcg/hr patch Place 1 patch onto the skin once a week.",
            ("buprenorphine", 10, "mcg/h", 1, "transdermal", "q168h", False),
        ),
        ("Butrans 5 mcg/hr once weekly", ("buprenorphine", 5, "mcg/h", None, None, "q168h", False)),
        (
            "clonidine 0.1 mg/24 hr patch weekly",
            ("clonidine", 0.1, "mg/day", None, "transdermal", "q168h", False),
        ),
        ("baclofen 10 mg every other day", ("baclofen", 10, "mg", None, None, "q48h", False)),
    ],
)
def test_ehr_and_patch_lines_are_read(text: str, expected: tuple[object, ...]) -> None:
    assert read(text) == pytest.approx(expected)


def test_a_patch_without_a_change_interval_is_a_continuous_rate() -> None:
    (o,) = parse_medication("fentanyl 25 mcg/hr patch").orders
    assert o.frequency is not None and o.frequency.code == "continuous"
    assert o.dose is not None and o.dose.is_mass_rate and o.dose_mg is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # the brand in parentheses is another drug: refused, never passed over
        ("baclofen (FLEXERIL) 10 mg tid", "in parentheses is cyclobenzaprine, not baclofen"),
        ("baclofen (FOOBARIN) 10 mg tid", "'FOOBARIN' in parentheses is not a drug known here"),
        # the EHR's stated total disagrees with the strength and count
        (
            "cyclobenzaprine 10 MG tablet Take 1 tablet (20 mg total) by mouth 3 (three) times daily",
            "says 20 mg total per dose but gives 10 mg",
        ),
        ("carisoprodol 350 mg tablet by mouth iv tid", "two routes given (oral, intravenous)"),
        ("baclofen 10 mg every 40 days", "an interval in days must be a whole number from 1 to 7"),
    ],
)
def test_contradictions_are_refused_by_name(text: str, problem: str) -> None:
    with pytest.raises(SigParseError) as err:
        parse_sig(text)
    assert problem in str(err.value).lower() or problem in str(err.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("baclofen 10 mg 3 (four) times daily", "3 is restated in words as 4"),
        ("baclofen 10 mg (twenty) tid", "10 is restated in words as 20"),
    ],
)
def test_a_restated_number_that_disagrees_is_not_passed_over(text: str, said: str) -> None:
    # the words do not restate the number: the line does not parse, and the error says why
    with pytest.raises(SigParseError, match=said):
        parse_sig(text)


def test_a_failure_before_a_disagreeing_restatement_is_reported_as_itself() -> None:
    with pytest.raises(SigParseError, match="a dose cannot be negative"):
        parse_sig("baclofen -10 mg 3 (four) times daily")


def test_a_fentanyl_patch_is_a_current_medication_with_its_interactions() -> None:
    orders, notes = medication_orders("fentanyl 25 mcg/hr patch q72h", field="medications[0]")
    assert [o.drug for o in orders] == ["fentanyl"]
    assert notes == ()


def test_carisoprodol_with_a_fentanyl_patch_raises_the_opioid_alert(
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    result = cli(
        "check",
        "--order",
        "carisoprodol 350 mg tid",
        "--med",
        "fentaNYL (DURAGESIC) 25 mcg/hr Place 1 patch onto the skin every 72 (seventy-two) hours.",
        "--age",
        "50",
        "--crcl",
        "90",
        "--json",
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    codes = {(a["code"], tuple(sorted(a["drugs"]))) for a in report["alerts"]}
    assert ("MRX-DDI-003", ("carisoprodol", "fentanyl")) in codes
    assert not [n for n in report["not_checked"] if n["kind"] in ("medication", "dose")]


def _epic_sig_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((EXTERNAL / "cqf-ruler-opioid").glob("*.json")):
        raw = path.read_text()
        data, _ = json.JSONDecoder().raw_decode(raw)
        stack: list[object] = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get("resourceType") == "MedicationRequest":
                    for d in node.get("dosageInstruction") or []:
                        if isinstance(d, dict) and isinstance(d.get("text"), str):
                            texts.append(d["text"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return texts


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="../shared/external is not present")
def test_the_real_epic_order_text_reads_with_its_medication_name() -> None:
    """The UCHealth (Epic) order-sign payload of cqf-ruler's tests: its Medication is 'MORPHINE
    30 MG IMMEDIATE RELEASE TABLET' and its dosage text 'Take 1 tablet by mouth every 4 hours as
    needed for Pain.'; the two as one line read as the EHR meant them."""
    texts = _epic_sig_texts()
    assert "Take 1 tablet by mouth every 4 hours as needed for Pain." in texts
    line = "MORPHINE 30 MG IMMEDIATE RELEASE TABLET " + texts[0]
    assert read(line) == ("morphine", 30, "mg", 1, "oral", "q4h", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a range is read at the most it allows, as an interval range ('q4-6h') always was
        ("oxycodone 5 mg 1-2 tabs q4-6h prn pain", ("oxycodone", 5, "mg", 2, None, "q4h", True)),
        ("tizanidine 2-4 mg q8h prn", ("tizanidine", 4, "mg", None, None, "q8h", True)),
        ("metaxalone 800 mg 3-4 times daily", ("metaxalone", 800, "mg", None, None, "qid", False)),
        (
            "metaxalone 800 mg 3 to 4 times a day",
            ("metaxalone", 800, "mg", None, None, "qid", False),
        ),
        # the reason of an as-needed order, with or without 'for'
        ("diazepam 5 mg PO q6h PRN spasm", ("diazepam", 5, "mg", None, "oral", "q6h", True)),
        (
            "hydromorphone 0.5 mg IV q3h PRN severe pain",
            ("hydromorphone", 0.5, "mg", None, "intravenous", "q3h", True),
        ),
        # dotted abbreviations, a cap on an as-needed total, 'at night', sublingual
        ("Soma 350 mg p.o. t.i.d. p.r.n.", ("carisoprodol", 350, "mg", None, "oral", "tid", True)),
        ("tramadol 50 mg q6h prn, max 400 mg/day", ("tramadol", 50, "mg", None, None, "q6h", True)),
        ("cyclobenzaprine 10 mg at night", ("cyclobenzaprine", 10, "mg", None, None, "qhs", False)),
        (
            "lorazepam 1 mg sublingual q8h prn",
            ("lorazepam", 1, "mg", None, "sublingual", "q8h", True),
        ),
        # a cap in brackets, a range of codes, when with meals
        (
            "tizanidine 4 mg po q6-8h prn spasm (max 36 mg/day)",
            ("tizanidine", 4, "mg", None, "oral", "q6h", True),
        ),
        (
            "tizanidine 4 mg po q6-8h prn (max 3 doses/24 hours)",
            ("tizanidine", 4, "mg", None, "oral", "q6h", True),
        ),
        (
            "chlorzoxazone 500 mg po tid-qid",
            ("chlorzoxazone", 500, "mg", None, "oral", "qid", False),
        ),
        ("baclofen 10 mg PO TID with meals", ("baclofen", 10, "mg", None, "oral", "tid", False)),
    ],
)
def test_common_written_forms_are_read(text: str, expected: tuple[object, ...]) -> None:
    assert read(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "per_day", "daily_mg"),
    [
        # the prescriber's cap per day is part of the order: the most it allows in a day
        ("tramadol 100 mg q4h prn, max 400 mg/day", 4, 400),
        ("tizanidine 4 mg po q6-8h prn (max 3 doses/24 hours)", 3, 12),
        ("tizanidine 4 mg q6h prn NTE 3/day", 3, 12),
        ("tizanidine 4 mg 2 tabs q6h prn max 6 tabs per day", 3, 24),
        # the ways prescriptions open a cap
        ("tizanidine 4 mg q6h prn spasm not to exceed 3 doses in 24 hours", 3, 12),
        ("tizanidine 4 mg q6h prn, do not exceed 3 doses per day", 3, 12),
        ("tizanidine 4 mg q6h prn up to 3 times a day", 3, 12),
        ("cyclobenzaprine 10 mg q8h prn, no more than 3 tablets per day", 3, 30),
        ("tizanidine 4 mg q6h prn; max daily dose 12 mg", 3, 12),
        # 'up to' as the frequency itself, and in a duration
        ("baclofen 10 mg up to 3 times a day", 3, 30),
        ("cyclobenzaprine 5 mg po TID PRN for up to 2-3 weeks", 3, 15),
        # a cap above what the frequency allows changes nothing
        ("tizanidine 8 mg q6h prn max 40 mg/day", 4, 32),
        # a cap not said per day is not read as one: the full frequency is checked
        ("tizanidine 4 mg q6h prn max 3 doses", 4, 16),
    ],
)
def test_a_cap_per_day_is_the_most_the_order_allows(
    text: str, per_day: float, daily_mg: float
) -> None:
    """Before, a cap was passed over and the full frequency checked: 'tizanidine 4 mg q6h prn,
    max 3 doses/day', the label's own instruction (repeat at 6-8 h, at most three doses in 24
    h), was flagged as more often than the label allows."""
    (o,) = parse_medication(text).orders
    assert (o.doses_per_day, o.daily_dose_mg) == (per_day, daily_mg)


@pytest.mark.parametrize("text", ["Soma 350 mg p.o. q.i.d.", "Soma 350 mg p.o. q.i.d"])
def test_two_dotted_abbreviations_stay_two_words(text: str) -> None:
    """The last letter may lack its dot ('q.i.d'); two abbreviations apart stay apart."""
    (o,) = parse_medication(text).orders
    assert (o.route, o.frequency and o.frequency.code) == ("oral", "qid")


def test_a_typed_combination_with_an_unknown_name_keeps_the_known_one() -> None:
    """'ensitrelvir/ritonavir' (a protease inhibitor not in RxNorm, boosted as Paxlovid is):
    ensitrelvir is not known here; the whole line was 'not a drug known here', so ritonavir, a
    strong CYP3A4 inhibitor, was not checked. The known part is checked, the unknown part said,
    with its suggestion when there is one. (Paxlovid's nirmatrelvir, this test's first example,
    is now known from its RxNorm pack.)"""
    orders, notes = medication_orders("ensitrelvir/ritonavir 300/100 mg bid", field="m")
    assert [o.drug for o in orders] == ["ritonavir"]
    unknown = [n for n in notes if n.reason == "unknown_component"]
    assert len(unknown) == 1 and "ensitrelvir not known here" in unknown[0].detail
    _, notes = medication_orders("acetaminophen/oxycodon 325/5 mg q6h", field="m")
    assert any("did you mean oxycodone?" in n.detail for n in notes)
    # both unknown: the line is unknown, as before
    orders, notes = medication_orders("foo/bar 5/5 mg bid", field="m")
    assert orders == () and [n.reason for n in notes] == ["unknown_drug"]


@pytest.mark.parametrize(
    "order",
    [
        "carisoprodol/foobarol 350/5 mg tid",
        "carisoprodol 350 mg / foobarol 5 mg tid",  # RxNorm style: foobarol was silently dropped
    ],
)
def test_an_order_with_an_unknown_component_is_refused(order: str) -> None:
    with pytest.raises(UnknownDrugError) as err:
        parse_sig(order)
    assert "foobarol" in str(err.value)


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + ("" if ones == 0 else f"-{_ONES[ones]}")


@given(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=99))
def test_a_number_restated_in_words_is_passed_over_only_when_it_matches(n: int, said: int) -> None:
    """'every 8 (eight) hours' is 'every 8 hours'; 'every 8 (nine) hours' is not read."""
    text = f"baclofen 5 mg every {n} ({_words(said)}) hours"
    if said == n and n <= 168:
        (o,) = parse_medication(text).orders
        assert o.frequency is not None and o.frequency.interval_h == n
    else:
        with pytest.raises(SigParseError):
            parse_sig(text)


@pytest.mark.parametrize(
    ("text", "doses"),
    [
        # Names typed one after the other with dashes, as EHR lists print combinations: the
        # strengths go to the names by position (a dashed pair of names is also a product name
        # in the index, which used to send the strengths to its product list and lose them).
        (
            "carisoprodol-aspirin-codeine 200-325-16 mg 1 tab qid",
            {"carisoprodol": 200, "aspirin": 325, "codeine": 16},
        ),
        (
            "carisoprodol-aspirin-codeine 200-325-16 1 tab qid",
            {"carisoprodol": 200, "aspirin": 325, "codeine": 16},
        ),
        ("aspirin-codeine 325-30 mg q6h prn", {"aspirin": 325, "codeine": 30}),
        ("codeine-aspirin 30-325 mg q6h", {"codeine": 30, "aspirin": 325}),
    ],
)
def test_dashed_names_take_their_strengths_by_position(text: str, doses: dict[str, float]) -> None:
    line = parse_medication(text)
    assert {o.drug: o.dose.value for o in line.orders if o.dose is not None} == doses
    assert not line.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the number said again in words after its unit
        ("baclofen 10 mg (ten) tid", ("baclofen", 10, "mg", None, None, "tid", False)),
        # a quantity to dispense is not part of the dose
        (
            "carisoprodol 350 mg 1 tab po q6h prn muscle spasm #20",
            ("carisoprodol", 350, "mg", 1, "oral", "q6h", True),
        ),
        ("baclofen 10 mg tid disp: 90 tabs", ("baclofen", 10, "mg", None, None, "tid", False)),
        ("baclofen 10 mg tid qty #90", ("baclofen", 10, "mg", None, None, "tid", False)),
        # the count after the form, half a tablet, a colon after the product
        (
            "metaxalone 800 mg tab 1 po tid-qid prn",
            ("metaxalone", 800, "mg", 1, "oral", "qid", True),
        ),
        (
            "diazepam 5 mg tab 1/2 tab po bid prn",
            ("diazepam", 5, "mg", 0.5, "oral", "bid", True),
        ),
        (
            "Norflex 100 mg ER tab: 1 tab by mouth twice daily",
            ("orphenadrine", 100, "mg", 1, "oral", "bid", False),
        ),
        # the route between the name and the strength
        (
            "Lioresal intrathecal 200 mcg/day",
            ("baclofen", 200, "mcg/day", None, "intrathecal", "continuous", False),
        ),
        # 'for up to' and a range of durations (the duration is checked at its longest)
        (
            "cyclobenzaprine 5 mg po TID PRN for up to 2-3 weeks",
            ("cyclobenzaprine", 5, "mg", None, "oral", "tid", True),
        ),
    ],
)
def test_prescription_pieces_around_the_dose_are_read(
    text: str, expected: tuple[object, ...]
) -> None:
    assert read(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "dose_mg", "per_day"),
    [
        # a tablet count of one (or less) in brackets after the dose says how it is taken
        ("cyclobenzaprine 10 mg (1 tab) po tid", 10, 3),
        ("baclofen 10 mg (one tablet) by mouth tid", 10, 3),
        ("baclofen 5 mg (1/2 tab) tid", 5, 3),
        # the dose in brackets after the count, checked against strength x count
        ("baclofen 10 mg tab 1 tab (10 mg) tid", 10, 3),
        ("methocarbamol 750 mg 2 tabs (1500 mg) qid", 1500, 4),
        # the count before the route with the form unsaid ('1 po'), 'once nightly'
        ("baclofen 10 mg 1 po tid", 10, 3),
        ("baclofen 10 mg 2 by mouth bid", 20, 2),
        ("baclofen 10 mg once nightly", 10, 1),
        ("baclofen 10 mg once at bedtime", 10, 1),
        # the frequency said again in brackets, in other words
        ("baclofen 10 mg po QID (at bedtime and three times daily)", 10, 4),
        ("tizanidine 4 mg q8h (every 8 hours)", 4, 3),
        ("cyclobenzaprine 10 mg tid (TID)", 10, 3),
        ("baclofen 10 mg (ten) tid (three times a day)", 10, 3),
        # what the drug is for, in brackets after the frequency
        ("tizanidine 4 mg tid (for spasm)", 4, 3),
        ("tizanidine 4 mg q8h prn (muscle spasms)", 4, 3),
    ],
)
def test_brackets_that_restate_the_count_dose_or_frequency_are_read(
    text: str, dose_mg: float, per_day: float
) -> None:
    (o,) = parse_medication(text).orders
    assert o.frequency is not None
    assert (o.dose_mg, o.frequency.doses_per_day) == (dose_mg, per_day)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # 10 mg as two 5 mg tablets, or two 10 mg tablets (20 mg)? The line does not say.
        ("cyclobenzaprine 10 mg (2 tabs) tid", "whole dose or each tablet's strength is unsaid"),
        ("baclofen 10 mg po QID (three times daily)", "restated in brackets as 3 a day"),
        ("baclofen 10 mg tab 2 tabs (10 mg) tid", "says 10 mg total per dose but gives 20 mg"),
        # a bracket after the frequency that could add or change doses is not passed over
        ("baclofen 10 mg tid (and at bedtime)", "unexpected text after the frequency"),
        ("baclofen 10 mg tid (twice if needed)", "unexpected text after the frequency"),
        ("baclofen 10 mg tid (extra dose at night)", "unexpected text after the frequency"),
        ("baclofen 10 mg tid (for two weeks and then stop)", "unexpected text after the frequency"),
        ("carisoprodol 350 mg qid (for two weeks) for 3 weeks", "duration given twice"),
        # nor is a reason or indication that goes on to add doses (it was passed over whole)
        ("baclofen 10 mg tid prn spasm plus extra dose", "unexpected text after the frequency"),
        ("baclofen 10 mg tid for spasm twice at night", "unexpected text after the frequency"),
        # more tablets than an order holds: a named error (it was an internal ValidationError)
        ("baclofen 10 mg 25 tabs tid", "tablet count must be more than 0 and at most 20"),
        ("baclofen 10 mg tab 25 po tid", "tablet count must be more than 0 and at most 20"),
    ],
)
def test_brackets_that_disagree_or_leave_the_dose_open_are_refused(text: str, problem: str) -> None:
    with pytest.raises(SigParseError, match=problem):
        parse_medication(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # 'for a month' after 'prn' was read as the reason: no duration, and carisoprodol's
        # 2-3 week limit (MRX-DUR-001) was never checked, with nothing said
        ("carisoprodol 350 mg qid prn for a month", 30),
        ("carisoprodol 350 mg qid for a month", 30),
        ("carisoprodol 350 mg qid prn spasm for a week", 7),
        ("carisoprodol 350 mg qid x 1 month", 30),
        ("carisoprodol 350 mg qid for fourteen days", 14),
        ("carisoprodol 350 mg qid for twenty-one days", 21),
        ("carisoprodol 350 mg qid for twenty one days", 21),
        # in brackets after the frequency (it was refused as text not read)
        ("carisoprodol 350 mg qid (for two weeks)", 14),
        ("carisoprodol 350 mg qid prn (x 21 days)", 21),
        # what the drug is for, then how long
        ("baclofen 10 mg TID for muscle spasm for 2 weeks", 14),
        ("carisoprodol 350 mg qid for back pain x 1 month", 30),
        ("cyclobenzaprine 5 mg po TID PRN for up to 2-3 weeks", 21),
    ],
)
def test_a_duration_in_words_is_a_duration_not_a_reason(text: str, days: float) -> None:
    (o,) = parse_medication(text).orders
    assert o.duration_days == days


def test_what_a_drug_is_for_is_passed_over_and_a_duration_never_is() -> None:
    (o,) = parse_medication("baclofen 10 mg TID for spasticity").orders
    assert (o.duration_days, o.doses_per_day) == (None, 3)
    # A duration the grammar cannot read is refused, not taken for an indication.
    with pytest.raises(SigParseError, match="expected a number of days"):
        parse_medication("carisoprodol 350 mg qid for twenty-one hundred days")


def test_half_a_tablet_is_half_the_dose_and_a_duration_range_its_longest() -> None:
    (o,) = parse_medication("diazepam 5 mg 1/2 tab bid").orders
    assert o.dose_mg == 2.5 and o.daily_dose_mg == 5
    (o,) = parse_medication("cyclobenzaprine 5 mg tid prn for up to 2-3 weeks").orders
    assert o.duration_days == 21
    (o,) = parse_medication("Robaxin-750 2 tabs QID x 48-72 hrs").orders
    assert o.duration_days == 3 and o.daily_dose_mg == 6000


@pytest.mark.parametrize(
    "text",
    [
        "baclofen 10 mg 1 tab po tid, increase by 5 mg every 3 days",
        "baclofen 5 mg tid then 10 mg tid",  # where the first step ends is not said
        "baclofen 5 mg PO TID; may increase to 10 mg TID after 3 days",
    ],
)
def test_a_changing_dose_is_refused_with_the_way_to_write_it(text: str) -> None:
    """Reading only the first step would leave a later, higher step unchecked."""
    with pytest.raises(SigParseError, match="steps joined by 'then', each but the last"):
        parse_medication(text)
    # As a current medication, the drug is still checked, and the unread dose is said.
    line = parse_medication(text, lenient=True)
    assert line.orders and line.orders[0].dose is None
    assert "steps joined by 'then'" in line.problems[0]


@pytest.mark.parametrize(
    "text",
    ["diazepam 5 mg 3/2 tab bid", "baclofen 10 mg tab 0 po tid", "baclofen 10 mg tid x 3-2 days"],
)
def test_impossible_counts_and_ranges_are_refused(text: str) -> None:
    with pytest.raises(SigParseError):
        parse_medication(text)


@pytest.mark.parametrize(
    ("text", "code", "per_day"),
    [
        # codes written apart from their q, in words, or in the Latin of British prescriptions
        ("baclofen 10 mg q AM", "qd", 1),
        ("baclofen 10 mg q pm", "qpm", 1),
        ("baclofen 10 mg in the morning", "qd", 1),
        ("baclofen 10 mg 3 x day", "tid", 3),
        ("baclofen 10 mg every eight hours", "q8h", 3),
        ("baclofen 10mg po tds", "tid", 3),
        ("baclofen 10 mg bd", "bid", 2),
        ("baclofen 10 mg qds prn", "qid", 4),
        ("baclofen 10 mg nocte", "qhs", 1),
        ("baclofen 10 mg mane", "qd", 1),
        # 'ac' / 'pc' after the frequency say when, not how often
        ("baclofen 10 mg TID AC", "tid", 3),
    ],
)
def test_frequency_spellings_are_read(text: str, code: str, per_day: float) -> None:
    (o,) = parse_medication(text).orders
    assert o.frequency is not None
    assert (o.frequency.code, o.frequency.doses_per_day) == (code, per_day)


def test_ac_alone_is_not_a_frequency() -> None:
    """'before meals' says when, not how many meals: refused rather than guessed."""
    with pytest.raises(SigParseError, match="expected a frequency"):
        parse_medication("baclofen 10 mg ac")


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "baclofen 10 mg every morning and 20 mg at bedtime",
            [("baclofen 10 mg every morning", 10, "qd"), ("baclofen 20 mg at bedtime", 20, "qhs")],
        ),
        (
            "baclofen 10 mg qam, 20 mg qhs",
            [("baclofen 10 mg qam", 10, "qd"), ("baclofen 20 mg qhs", 20, "qhs")],
        ),
        (
            "tizanidine 2 mg qam; 4 mg qhs",
            [("tizanidine 2 mg qam", 2, "qd"), ("tizanidine 4 mg qhs", 4, "qhs")],
        ),
        # a tablet count in the second part is of the first part's tablets
        (
            "baclofen 10 mg 1 tab qam and 2 tabs qhs",
            [("baclofen 10 mg 1 tab qam", 10, "qd"), ("baclofen 10 mg 2 tabs qhs", 20, "qhs")],
        ),
    ],
)
def test_a_split_dose_on_one_line_is_two_lines_of_the_drug(
    text: str, lines: list[tuple[str, float, str]]
) -> None:
    """A split dose was refused ('unexpected text after the frequency'); read as two lines, the
    dose checks add them against the daily maximum."""
    got = [
        (o.text, o.dose_mg, o.frequency.code if o.frequency else None)
        for o in parse_medication(text).orders
    ]
    assert got == lines


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # one part for a while and the other after it is a dose that changes, not a split dose
        ("baclofen 5 mg tid x 3 days and 10 mg tid", "changes over time"),
        # two drugs on one line, and a combination product's split dose, stay refused
        ("baclofen 10 mg tid and tizanidine 4 mg qhs", "unexpected text"),
        ("Percocet 5/325 1 tab q6h and 2 tabs qhs", "unexpected text"),
    ],
)
def test_what_is_not_a_split_dose_is_refused(text: str, problem: str) -> None:
    with pytest.raises(SigParseError, match=problem):
        parse_medication(text)


def test_an_ampersand_adds_a_bedtime_dose_as_and_does() -> None:
    (o,) = parse_medication("Soma 350 mg tid & qhs x 2 weeks").orders
    assert o.frequency is not None and (o.frequency.code, o.doses_per_day) == ("tid+hs", 4)
    assert o.duration_days == 14


def test_one_order_of_a_split_dose_line_is_refused_by_name() -> None:
    """Where one order is wanted (a simulation, a plan, a diary regimen), a split dose is said."""
    with pytest.raises(SigParseError, match=r"a split dose .* is 2 orders of baclofen"):
        parse_sig("baclofen 10 mg qam and 20 mg qhs")


@pytest.mark.parametrize(
    ("text", "mg", "per_day"),
    [
        # a liquid's concentration, then the dose in mL (Ozobax 5 mg/5 mL; Fleqsuvy 5 mg/mL):
        # the dose in mg is what the checks need; refused before ('the strengths of a
        # combination need one unit')
        ("baclofen 5 mg/5 mL oral solution 10 mL tid", 10, 3),
        ("Ozobax 5 mg/5 mL 10 mL tid", 10, 3),
        ("baclofen oral solution 5 mg/5 mL, 10 mL tid", 10, 3),
        ("Fleqsuvy 5 mg/mL 4 mL tid", 20, 3),
        ("baclofen 1 mg/mL solution, take 5 mg tid", 5, 3),
        ("diazepam 5 mg/5 mL 2 mL bid", 2, 2),
        # the form after the strength (Lyvispah oral granules)
        ("Lyvispah 5 mg granules tid", 5, 3),
        ("baclofen 10 mg oral suspension tid", 10, 3),
        # a dash before the printed instruction
        ("cyclobenzaprine 10 mg tablet - take 1 tablet by mouth at bedtime as needed", 10, 1),
        # how the dose is made, in brackets, when it agrees
        ("baclofen 15 mg (1.5 x 10 mg tablets) tid", 15, 3),
        # when a dose is held says nothing of how much or how often
        ("baclofen 10 mg PO TID, hold for sedation", 10, 3),
        ("baclofen 10 mg po tid, hold if RR < 12", 10, 3),
    ],
)
def test_liquids_forms_and_hold_parameters_are_read(text: str, mg: float, per_day: float) -> None:
    (o,) = parse_medication(text).orders
    assert (o.dose_mg, o.doses_per_day) == (mg, per_day)


@pytest.mark.parametrize(
    "text",
    [
        # a hold that goes on to give a dose, or to change it, is not passed over
        "baclofen 10 mg po tid, hold for sedation and give 20 mg qhs",
        "baclofen 10 mg po tid hold if sedated then 5 mg tid",
        # how the dose is made disagrees with the dose
        "baclofen 15 mg (2 x 10 mg tablets) tid",
    ],
)
def test_a_hold_that_adds_doses_or_a_disagreeing_make_up_is_refused(text: str) -> None:
    with pytest.raises(SigParseError):
        parse_medication(text)


@pytest.mark.parametrize(
    "text",
    [
        "cyclobenzaprine 10mg 1/2-1 tab tid prn",
        "cyclobenzaprine 10 mg tablet, take 1/2 to 1 tablet by mouth three times daily as needed",
    ],
)
def test_half_a_tablet_to_one_is_read_at_one(text: str) -> None:
    """A range of tablets from a half is read at its top, as '1-2 tabs' is (it was refused)."""
    (o,) = parse_medication(text).orders
    assert (o.dose_mg, o.doses_per_day, o.prn) == (10, 3, True)


@pytest.mark.parametrize(
    ("text", "per_day"),
    [
        # the repeats are more doses a day, counted in full (it was refused as a changing dose)
        ("tizanidine 4 mg po qhs, may repeat x1", 2),
        ("tizanidine 4 mg po qhs prn, may repeat once in 1 hour", 2),
        ("tizanidine 4 mg q8h prn, may repeat x1", 4),
    ],
)
def test_may_repeat_adds_its_doses(text: str, per_day: float) -> None:
    (o,) = parse_medication(text).orders
    assert o.doses_per_day == per_day


def test_may_repeat_without_a_count_is_refused() -> None:
    with pytest.raises(SigParseError, match="needs how many times"):
        parse_medication("cyclobenzaprine 5 mg tid, may repeat")


@pytest.mark.parametrize(
    ("text", "per_day", "days"),
    [
        # Cerner-style lines: a plural marker, the duration without 'for', refills, a trailing Rx
        ("baclofen 10 mg oral tablet: 1 tab(s) orally 3 times a day", 3, None),
        ("cyclobenzaprine 10 mg 1 tab(s) PO q8hr PRN", 3, None),
        ("baclofen 10 mg, Tab, 1 tab, PO, TID, 30 day(s)", 3, 30),
        ("baclofen 10 mg tablet 1 tablet orally 3 times a day 30 days", 3, 30),
        ("Baclofen 10mg tab 1 PO TID x30d #90 RF2", 3, 30),
        ("methocarbamol 750 mg 2 tab PO QID x 3 days refills 0", 4, 3),
        ("carisoprodol 350 mg qid 30 days 3 refills", 4, 30),
        ("Baclofen 10 MG Tablet; Take 1 tablet by mouth three times daily.; Rx", 3, None),
    ],
)
def test_prescription_lines_as_ehrs_print_them(
    text: str, per_day: float, days: float | None
) -> None:
    (o,) = parse_medication(text).orders
    assert (o.doses_per_day, o.duration_days) == (per_day, days)


@pytest.mark.parametrize(
    ("text", "per_day"),
    [
        ("Baclofen 10 mg po three times daily (hold for SBP<90)", 3),
        ("tizanidine 2 mg PO at bedtime PRN insomnia/spasm", 1),
        # the clock times in brackets, as many as the frequency gives
        ("baclofen 10mg PO BID (8am, 8pm)", 2),
        ("baclofen 10 mg po tid (0800, 1400, 2000)", 3),
        ("baclofen 10 mg PO Q8H scheduled", 3),
        ("baclofen 10 mg po daily at 9 am", 1),
        ("baclofen 10 mg po daily at 0900", 1),
    ],
)
def test_times_of_day_schedules_and_held_doses_are_read(text: str, per_day: float) -> None:
    (o,) = parse_medication(text).orders
    assert (o.dose_mg, o.doses_per_day) == (10 if "baclofen" in text.lower() else 2, per_day)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("baclofen 10 mg po tid (8am, 2pm, 8pm, 11pm)", "4 clock times in brackets for tid"),
        ("baclofen 10 mg po daily (hold for sedation, then give 5 mg)", "unexpected text"),
    ],
)
def test_clock_times_that_disagree_or_a_hold_that_gives_a_dose_are_refused(
    text: str, problem: str
) -> None:
    with pytest.raises(SigParseError, match=problem):
        parse_medication(text)


@pytest.mark.parametrize(
    ("text", "dose_mg", "per_day"),
    [
        # Epic's 'Take <dose> by mouth' after the tablet's strength: the dose of each time, which
        # may be several tablets (it was 'expected a frequency', the dose unchecked)
        ("baclofen (LIORESAL) 10 mg tablet Take 20 mg by mouth 4 (four) times daily.", 20, 4),
        ("sertraline (ZOLOFT) 50 mg tablet Take 50 mg by mouth daily.", 50, 1),
        ("tizanidine 4 mg tablet take 2 mg by mouth every 8 hours as needed", 2, 3),
        ("baclofen 10 mg tab 20 mg po qid", 20, 4),
    ],
)
def test_a_dose_restated_after_the_tablet_strength(
    text: str, dose_mg: float, per_day: float
) -> None:
    (o,) = parse_medication(text).orders
    assert (o.dose_mg, o.doses_per_day) == (dose_mg, per_day)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("baclofen 10 mg tablet take 3 mg tid", "not a whole, half or quarter number"),
        ("Percocet 5/325 tablet take 5 mg q6h", "after a combination's strengths is unclear"),
    ],
)
def test_a_restated_dose_that_is_no_number_of_tablets_is_refused(text: str, said: str) -> None:
    with pytest.raises(SigParseError, match=said):
        parse_medication(text)


@pytest.mark.parametrize(
    "text",
    [
        "baclofen intrathecal 50 mcg bolus",
        "baclofen intrathecal 50 mcg bolus once",
        "Lioresal intrathecal 50 mcg screening bolus",
        "Gablofen intrathecal 50 mcg test dose",
        "baclofen 50 mcg IT bolus x 1",
    ],
)
def test_an_intrathecal_bolus_is_one_dose(text: str) -> None:
    """The intrathecal screening doses are single boluses (Gablofen 2.2: 50 mcg, then 75 and
    100 mcg 24 hours apart); 'bolus' was refused as 'expected a frequency'."""
    (o,) = parse_medication(text).orders
    assert (o.route, o.frequency and o.frequency.code, o.dose_mg) == ("intrathecal", "once", 0.05)


@pytest.mark.parametrize(
    ("text", "dose", "per_day"),
    [
        ("Baclofen 10 milligrams three times per day", (10, "mg"), 3),
        ("methocarbamol 1 gram qid", (1, "g"), 4),
        ("methocarbamol 1 gm qid", (1, "g"), 4),
        ("Ozobax 5 milliliters tid", (5, "mL"), 3),
        ("baclofen intrathecal 300 micrograms/day", (300, "mcg/day"), 1),
        # a dot after q is punctuation: 'q.8h' was read as every 0.8 hours and refused
        ("baclofen 10mg q.8h.", (10, "mg"), 3),
        ("baclofen 10 mg q.8.h.", (10, "mg"), 3),
        ("baclofen 10 mg q.6-8h prn", (10, "mg"), 4),
    ],
)
def test_units_spelled_out_and_a_dotted_interval_are_read(
    text: str, dose: tuple[float, str], per_day: float
) -> None:
    (o,) = parse_medication(text).orders
    assert o.dose is not None
    assert ((o.dose.value, o.dose.unit), o.doses_per_day) == (dose, per_day)


@pytest.mark.parametrize(
    ("text", "code", "per_day"),
    [
        ("baclofen 10 mg x3/day", "tid", 3),
        ("baclofen 10 mg x 3 daily", "tid", 3),
        ("baclofen 10 mg thrice daily", "tid", 3),
        ("baclofen 10 mg before bed", "qhs", 1),
        ("baclofen 10 mg daily at bedtime", "qhs", 1),
        ("tizanidine 2 mg nightly at bedtime", "qhs", 1),
        ("baclofen 10 mg qd at night", "qhs", 1),
        # unchanged: a duration after x, and a bedtime dose added with 'and'
        ("baclofen 10 mg x 7 days tid", "tid", 3),
        ("baclofen 10 mg daily and at bedtime", "qd+hs", 2),
    ],
)
def test_more_frequency_spellings_are_read(text: str, code: str, per_day: float) -> None:
    """'x3/day', 'thrice daily', 'before bed' and 'daily at bedtime' were refused ('expected a
    frequency', 'unexpected text after the frequency')."""
    (o,) = parse_medication(text).orders
    assert (o.frequency and o.frequency.code, o.doses_per_day) == (code, per_day)


@pytest.mark.parametrize(
    ("text", "code", "times"),
    [
        ("baclofen 10 mg at 8am and 8pm", "bid", ("08:00", "20:00")),
        ("baclofen 10 mg at 08:00 and 20:00", "bid", ("08:00", "20:00")),
        ("baclofen 10 mg at 8 am, 2 pm and 8 pm", "tid", ("08:00", "14:00", "20:00")),
        ("baclofen 10 mg at 0800, 1400, 2000", "tid", ("08:00", "14:00", "20:00")),
        ("baclofen 10 mg tid at 8am, 2pm and 8pm", "tid", ("08:00", "14:00", "20:00")),
        ("baclofen 10 mg twice daily at 9am and 9pm", "bid", ("09:00", "21:00")),
    ],
)
def test_a_schedule_of_clock_times_is_the_frequency(
    text: str, code: str, times: tuple[str, ...]
) -> None:
    """'at 8am and 8pm' was refused ('expected a frequency'): as many doses a day as times."""
    (o,) = parse_medication(text).orders
    assert o.frequency is not None
    assert (o.frequency.code, o.frequency.times) == (code, times)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("baclofen 10 mg bid at 8am, 2pm and 8pm", "3 clock times for bid"),
        ("baclofen 10 mg at 8am and 8am", "a clock time is given twice"),
        # a bare number is no clock time: it could be a dose
        ("baclofen 10 mg at 8 and 20", "expected a frequency"),
    ],
)
def test_clock_times_that_disagree_are_refused(text: str, problem: str) -> None:
    with pytest.raises(SigParseError) as err:
        parse_medication(text)
    assert problem in str(err.value)


@pytest.mark.parametrize(
    ("text", "doses"),
    [
        ("baclofen 10 mg qam, 10 mg at noon and 20 mg qhs", [(10, "08:00"), (10, "12:00"), (20, None)]),
        ("baclofen 5 mg qam, 5 mg at noon, 5 mg qpm and 10 mg qhs",
         [(5, "08:00"), (5, "12:00"), (5, None), (10, None)]),
    ],
)  # fmt: skip
def test_a_split_dose_of_three_or_more_parts_is_a_line_each(
    text: str, doses: list[tuple[float, str | None]]
) -> None:
    """Uneven baclofen doses through the day; only two parts were read, a third was refused
    ('unexpected text after the frequency'), and 'at noon' was no frequency."""
    orders = parse_medication(text).orders
    assert [o.dose_mg for o in orders] == [d for d, _ in doses]
    for o, (_, time) in zip(orders, doses, strict=True):
        if time is not None:
            assert o.frequency is not None and o.frequency.times == (time,)


def test_a_part_of_another_drug_is_not_a_split_dose() -> None:
    with pytest.raises(SigParseError):
        parse_medication("baclofen 10 mg qam, tizanidine 2 mg qhs")
