"""One resolver behind every entry point: the same product gives the same ingredient set through
the CLI, the REST API, the web form, a FHIR Bundle, a CDS Hooks request and the OMOP screening.

The expected set is what `Terminology.resolve_medication` / `resolve_code` says; each entry point
is driven as a user or an EHR drives it (the service as a real process; the CLI through its
entry point, in process: the resolver it reaches is the same one, and the console script itself is
run as a process in tests/cli).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from myorelax.api.web.forms import patient_of
from myorelax.knowledge.terminology import default_terminology
from myorelax.screening.patterns import default_screening_knowledge
from tests.api.fhir_fakes import hook_request, prefetch_of
from tests.api.server import Keys, Server
from tests.conftest import CliRunner

# Product lines as clinicians type them: brand with a combination strength, a generic
# combination, an RxNorm branded name, a pack brand, Tall Man lettering.
TEXTS = [
    "Percocet 5/325 1 tab q6h prn",
    "Norco 10-325 mg q6h prn",
    "levonorgestrel/ethinyl estradiol 0.15/0.03 mg daily",
    "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet [Percocet] q6h prn",
    "Yaz daily",
    "Soma Compound with Codeine 1 tab tid",
    "hydroXYzine 25 mg tid",
]
# Codes as EHRs send them: a branded pack (BPCK), a branded drug (SBD), a clinical drug (SCD),
# a brand-level product (SBDF).
CODES = {
    "748856": "Yaz 28 Day Pack",
    "857001": "acetaminophen 325 MG / hydrocodone bitartrate 10 MG Oral Tablet [Norco]",
    "197623": "disulfiram 250 MG Oral Tablet",
    "94125": "Aspirin / Carisoprodol / Codeine Oral Tablet [Soma Compound with Codeine]",
}


def expected_text(text: str) -> set[str]:
    # The resolver reads the drug part; the dose text after it is the sig's business.
    from myorelax.clinical.sig import parse_medication

    line = parse_medication(text)
    return {i.ingredient.id for i in line.match.ingredients}


def expected_code(code: str) -> set[str]:
    return {i.ingredient.id for i in default_terminology().resolve_code(code).ingredients}


def by_text(medications: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in medications:
        out.setdefault(m["text"], set()).add(m["drug"])
    return out


def test_the_expected_sets_are_combinations() -> None:
    """The cases are the hard ones: every one but Tall Man is a combination."""
    assert expected_text("Percocet 5/325 1 tab q6h prn") == {"oxycodone", "acetaminophen"}
    assert expected_text("Yaz daily") == {"drospirenone", "ethinyl estradiol"}
    assert expected_code("94125") == {"aspirin", "carisoprodol", "codeine"}


def test_cli(cli: CliRunner) -> None:
    args = ["check", "--order", "tizanidine 2 mg tid", "--json"]
    for t in TEXTS:
        args += ["--med", t]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    got = by_text(json.loads(r.stdout)["medications"])
    assert got == {t: expected_text(t) for t in TEXTS}


def test_rest(server: Server, clinician: dict[str, str]) -> None:
    body = {"patient": {"medications": TEXTS}, "orders": ["tizanidine 2 mg tid"]}
    r = httpx.post(server.base + "/api/v1/check", json=body, headers=clinician, timeout=30)
    assert r.status_code == 200, r.text
    assert by_text(r.json()["medications"]) == {t: expected_text(t) for t in TEXTS}


def test_web_form() -> None:
    """The workspace form's medication rows go through the same reader (`patient_of` is what
    the workspace POST calls)."""
    patient = patient_of({"medications": TEXTS}, default_terminology())
    got: dict[str, set[str]] = {}
    for o in patient.medications:
        got.setdefault(o.text, set()).add(o.drug)
    assert got == {t: expected_text(t) for t in TEXTS}


def _statement(mid: str, code: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": mid,
        "status": "active",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": code,
                    "display": display,
                }
            ],
            "text": display,
        },
    }


def _fhir_bundle() -> dict[str, Any]:
    entries: list[dict[str, Any]] = [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "birthDate": "1980-01-01",
                "gender": "female",
            }
        },
    ]
    for i, (code, display) in enumerate(CODES.items()):
        entries.append({"resource": _statement(f"m{i}", code, display)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_fhir_bundle(server: Server, clinician: dict[str, str]) -> None:
    r = httpx.post(server.base + "/api/v1/fhir/patient", json=_fhir_bundle(), headers=clinician,
                   timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    meds = r.json()["patient"]["medications"]
    got: dict[str, set[str]] = {}
    for m in meds:
        got.setdefault(m["text"], set()).add(m["drug"])
    want = {display: expected_code(code) for code, display in CODES.items()}
    assert {k: v for k, v in got.items() if k in want} == want, got


def test_cds_hooks(server: Server, keys: Keys) -> None:
    """A CDS client sends the pack as an RxCUI: the tizanidine draft order gets the CYP1A2
    card naming ethinyl estradiol, a component the pack code does not name."""
    path = "/cds-services/myorelax-order-check"
    resources = _fhir_bundle()["entry"]
    draft = {
        "resourceType": "MedicationRequest",
        "id": "draft-tiz",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "57258",
                    "display": "tizanidine",
                }
            ],
            "text": "tizanidine 2 mg",
        },
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "mg"}}],
            }
        ],
    }
    prefetch = prefetch_of([e["resource"] for e in resources])
    body = hook_request("order-select", "p1", [draft], prefetch=prefetch)
    token = keys.token(server.base + path)
    r = httpx.post(server.base + path, json=body, headers={"Authorization": f"Bearer {token}"},
                   timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    text = " ".join(c["summary"] + " " + c.get("detail", "") for c in r.json()["cards"]).lower()
    assert "ethinyl estradiol" in text


@pytest.mark.parametrize("code", sorted(CODES))
def test_screening(code: str) -> None:
    """The OMOP screening maps a product code to the ingredient codes the resolver gives."""
    term = default_terminology()
    match = term.resolve_code(code)
    want = {i.ingredient.rxcui for i in match.ingredients if i.ingredient.rxcui}
    knowledge = default_screening_knowledge()
    screened = {i.rxcui for s in knowledge.drug_sets.values() for i in s.ingredients if i.rxcui}
    got = {str(i) for p, i in knowledge.product_codes if p == code}
    assert got == want & screened


def test_web_form_orders() -> None:
    """The workspace form's order rows are read as the CLI and REST read them: a combination
    product was refused there ('a combination product ...; name the one ingredient'), and a
    split dose is two orders of its drug."""
    from myorelax.api.web.forms import regimen_of

    orders = ["Percocet 5/325 1 tab q6h prn", "baclofen 10 mg every morning and 20 mg at bedtime"]
    regimen = regimen_of({"orders": orders}, default_terminology())
    got = [(o.drug, o.dose_mg) for o in regimen.orders]
    assert ("oxycodone", 5) in got and ("acetaminophen", 325) in got
    assert [d for d in got if d[0] == "baclofen"] == [("baclofen", 10), ("baclofen", 20)]
