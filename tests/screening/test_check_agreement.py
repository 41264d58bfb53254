"""The screening and the safety check agree on the patterns they share (issue 19).

The same patients are screened as OMOP tables (every drug on the same ten days) and checked as
medication lists (every drug a current medication). For the patterns built from one rule
trigger or one set of interaction knowledge, a person is found by the screening exactly when
the check raises that rule's alert. Two rules are wider in the check than the pattern screened
for: MRX-DDI-003 (the check also codes baclofen with a benzodiazepine or alcohol) and
MRX-DDI-002 (the check codes every serotonergic partner of cyclobenzaprine, among them some
opioids; the screening looks for MAO inhibitors only), so for them only "found by the
screening => alerted by the check" must hold.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.clinical.regimen import Regimen
from myorelax.knowledge.loader import load_knowledge_from
from myorelax.knowledge.terminology import Terminology
from myorelax.safety.engine import evaluate_regimen
from myorelax.screening.inputs import ArrowInput
from myorelax.screening.patterns import screening_knowledge
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from tests.screening.omop import Omop, packaged_knowledge

KB = load_knowledge()
TODAY = date(2022, 3, 1)
SIGS = {
    "carisoprodol": "carisoprodol 350 mg tid",
    "oxycodone": "oxycodone 5 mg q6h",
    "alprazolam": "alprazolam 0.5 mg tid",
    "baclofen": "baclofen 10 mg tid",
    "tizanidine": "tizanidine 4 mg tid",
    "orphenadrine": "orphenadrine 100 mg bid",
    "methocarbamol": "methocarbamol 1000 mg tid",
    "cyclobenzaprine": "cyclobenzaprine 5 mg tid",
    "ciprofloxacin": "ciprofloxacin 500 mg bid",
    "phenelzine": "phenelzine 15 mg tid",
    "diazepam": "diazepam 5 mg tid",
}
EXACT = (
    "MRX-DDI-004",
    "MRX-DUP-001",
    "MRX-BEERS-001",
    "MRX-BEERS-003",
    "MRX-BEERS-004",
    "MRX-DDI-001",
)
WIDER_IN_CHECK = ("MRX-DDI-003", "MRX-DDI-002")
BIRTH = {72: "1949-06-15", 50: "1971-06-15"}

person = st.tuples(
    st.sampled_from(sorted(BIRTH)),
    st.sets(st.sampled_from(sorted(SIGS)), min_size=1, max_size=4),
)


def _checked(age: int, drugs: set[str]) -> set[str]:
    patient = patient_from_data(
        {"age_years": age, "sex": "female", "weight_kg": 70, "crcl_ml_min": 90}
    ).model_copy(update={"medications": tuple(parse_sig(SIGS[d]) for d in sorted(drugs))})
    report = evaluate_regimen(patient, Regimen(orders=()), kb=KB, today=TODAY)
    return {a.code for a in report.alerts}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person, min_size=1, max_size=6))
def test_the_screening_finds_whom_the_check_alerts(people: list[tuple[int, set[str]]]) -> None:
    o = Omop()
    for pid, (age, drugs) in enumerate(people, start=1):
        o.person(pid, birth=BIRTH[age])
        for drug in sorted(drugs):
            o.drug(pid, drug, "2022-02-20", supply=10)
    result = screen(
        ArrowInput(o.tables()),
        patterns=(*EXACT, *WIDER_IN_CHECK),
        options=ScreeningOptions(grace_days=0),
        knowledge=packaged_knowledge(),
    )
    screened: dict[int, set[str]] = {}
    for row in result.persons.to_pylist():
        screened.setdefault(row["person_id"], set()).add(row["code"])
    for pid, (age, drugs) in enumerate(people, start=1):
        alerted = _checked(age, drugs)
        found = screened.get(pid, set())
        for code in EXACT:
            assert (code in found) == (code in alerted), (code, age, sorted(drugs))
        for code in WIDER_IN_CHECK:
            assert code not in found or code in alerted, (code, age, sorted(drugs))


def test_the_shared_patterns_fire_on_their_textbook_cases() -> None:
    """The property above is not vacuous: each shared pattern is found, in both, where it must."""
    cases = [
        (
            72,
            {"carisoprodol", "oxycodone", "alprazolam"},
            {"MRX-DDI-004", "MRX-DDI-003", "MRX-BEERS-001", "MRX-BEERS-003", "MRX-BEERS-004"},
        ),
        (72, {"oxycodone", "alprazolam"}, {"MRX-BEERS-004"}),  # no relaxant: Beers still
        (50, {"oxycodone", "alprazolam"}, set()),  # under 65: neither Beers rule
        (
            72,
            {"baclofen", "oxycodone", "cyclobenzaprine"},
            {"MRX-BEERS-003", "MRX-DDI-003", "MRX-DUP-001", "MRX-BEERS-001"},
        ),
        (72, {"baclofen", "orphenadrine"}, {"MRX-DUP-001", "MRX-BEERS-001"}),
        (72, {"baclofen", "tizanidine"}, set()),  # an exempt antispasticity pair
        (50, {"baclofen", "orphenadrine"}, set()),  # under 65: not a STOPP A3 duplication
        (50, {"tizanidine", "ciprofloxacin"}, {"MRX-DDI-001"}),
        (50, {"cyclobenzaprine", "phenelzine"}, {"MRX-DDI-002"}),
    ]
    o = Omop()
    for pid, (age, drugs, _) in enumerate(cases, start=1):
        o.person(pid, birth=BIRTH[age])
        for drug in sorted(drugs):
            o.drug(pid, drug, "2022-02-20", supply=10)
    result = screen(ArrowInput(o.tables()), patterns=(*EXACT, *WIDER_IN_CHECK))
    screened: dict[int, set[str]] = {}
    for row in result.persons.to_pylist():
        screened.setdefault(row["person_id"], set()).add(row["code"])
    for pid, (age, drugs, expected) in enumerate(cases, start=1):
        assert screened.get(pid, set()) == expected, (age, drugs)
        alerted = _checked(age, drugs)
        assert expected <= alerted and alerted & set(EXACT) == expected & set(EXACT), (age, drugs)


def test_a_sites_rule_change_moves_the_check_and_the_screening_together(kb_copy: Path) -> None:
    """A site's reviewed knowledge folder that raises MRX-DUP-001's threshold to three
    relaxants, and widens MRX-DDI-004 to any skeletal muscle relaxant, with knowledge files only:
    the check and the screening both follow (the rule's trigger is the one definition)."""
    rule = kb_copy / "rules" / "MRX-DUP-001.yaml"
    data = yaml.safe_load(rule.read_text())
    data["trigger"]["at_least"] = 3
    rule.write_text(yaml.safe_dump(data, sort_keys=False))
    rule = kb_copy / "rules" / "MRX-DDI-004.yaml"
    data = yaml.safe_load(rule.read_text())
    data["trigger"]["all_of"][0] = {"group": "skeletal_muscle_relaxants"}
    rule.write_text(yaml.safe_dump(data, sort_keys=False))
    kb = load_knowledge_from(kb_copy)
    knowledge = screening_knowledge(kb, Terminology(kb))
    cases = [
        (72, {"baclofen", "orphenadrine"}, False, False),
        (72, {"baclofen", "orphenadrine", "methocarbamol"}, True, False),
        (50, {"methocarbamol", "oxycodone", "alprazolam"}, False, True),
    ]
    o = Omop()
    for pid, (age, drugs, _, _) in enumerate(cases, start=1):
        o.person(pid, birth=BIRTH[age])
        for drug in sorted(drugs):
            o.drug(pid, drug, "2022-02-20", supply=10)
    result = screen(ArrowInput(o.tables()), knowledge=knowledge,
                    patterns=("MRX-DUP-001", "MRX-DDI-004"))  # fmt: skip
    found = {(r["person_id"], r["code"]) for r in result.persons.to_pylist()}
    for pid, (age, drugs, dup, trinity) in enumerate(cases, start=1):
        patient = patient_from_data({"age_years": age, "crcl_ml_min": 90}).model_copy(
            update={"medications": tuple(parse_sig(SIGS[d]) for d in sorted(drugs))}
        )
        codes = {a.code for a in evaluate_regimen(patient, Regimen(orders=()), kb=kb,
                                                  today=TODAY).alerts}  # fmt: skip
        assert ((pid, "MRX-DUP-001") in found) == dup == ("MRX-DUP-001" in codes), drugs
        assert ((pid, "MRX-DDI-004") in found) == trinity == ("MRX-DDI-004" in codes), drugs
