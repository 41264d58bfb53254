"""CDS Hooks order check and patient review after the audit: interactions found from either
side of an order, the required request fields answered with 400, patient-view covering every
rule, and the not-checked card saying only what is known (audit items 1 and 3 to 6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from myorelax.api.app import create_app
from myorelax.api.settings import Settings

ORDER = "/cds-services/myorelax-order-check"
REVIEW = "/cds-services/myorelax-patient-review"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
ADULT = {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01", "gender": "female"}
OLD = {"resourceType": "Patient", "id": "p1", "birthDate": "1940-01-01", "gender": "female"}


def med(rid: str, code: str, display: str, mg: float, status: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": code, "display": display}]},
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg",
                                              "system": "http://unitsofmeasure.org",
                                              "code": "mg"}}],
        }],
    }  # fmt: skip


def tizanidine() -> dict[str, Any]:
    return med("x", "313413", "tizanidine 4 MG Oral Tablet", 4)


def cyclobenzaprine() -> dict[str, Any]:
    return med("x", "828348", "cyclobenzaprine hydrochloride 10 MG Oral Tablet", 10)


def cipro_draft() -> dict[str, Any]:
    return med("d1", "309309", "ciprofloxacin 500 MG Oral Tablet", 500, status="draft")


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": r} for r in resources]}  # fmt: skip


def hook(
    name: str = "order-sign",
    drafts: tuple[dict[str, Any], ...] = (),
    meds: tuple[dict[str, Any], ...] = (),
    patient: dict[str, Any] = ADULT,
) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/1", "patientId": "p1"}
    if name != "patient-view":
        context["draftOrders"] = bundle(*drafts)
    if name == "order-select":
        context["selections"] = [f"MedicationRequest/{d['id']}" for d in drafts]
    prefetch = {"patient": patient, "medications": bundle(*meds), "statements": bundle(),
                "conditions": bundle(), "allergies": bundle(), "observations": bundle()}  # fmt: skip
    return {"hook": name, "hookInstance": "d1fba7c6-6b6f-4a3c-9c1d-aaaaaaaaaaaa",
            "context": context, "prefetch": prefetch}  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("cds") / "db.sqlite"
    settings = Settings(database_url=f"sqlite:///{db}", cds_allow_unsigned=True,
                        create_demo_users=False)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


def codes(cards: list[dict[str, Any]]) -> set[str]:
    return {c["source"]["topic"]["code"] for c in cards if "topic" in c["source"]}


# -- item 1: an order meets a current relaxant ----------------------------------------------------
@pytest.mark.parametrize("name", ["order-select", "order-sign"])
def test_new_ciprofloxacin_for_a_patient_on_tizanidine_gets_a_critical_card(
    client: TestClient, name: str
) -> None:
    """Zanaflex label 4/7.2: ciprofloxacin with tizanidine is contraindicated (AUC about x10).
    The card names the draft, links tizanidine's monograph, and offers to remove the draft
    ciprofloxacin, never the tizanidine the patient already takes."""
    r = client.post(ORDER, json=hook(name, drafts=(cipro_draft(),), meds=(tizanidine(),)))
    assert r.status_code == 200, r.text
    critical = [c for c in r.json()["cards"] if c["indicator"] == "critical"]
    assert len(critical) == 1, r.json()
    card = critical[0]
    assert "ciprofloxacin" in card["summary"].lower()
    assert "Ciprofloxacin is the new order" in card["detail"]
    assert card["source"]["url"].endswith("/api/v1/drugs/tizanidine")
    actions = [a for s in card["suggestions"] for a in s["actions"]]
    assert actions and all(a["resourceId"] == "MedicationRequest/d1" for a in actions)
    assert all(a["type"] == "delete" for a in actions)


def test_new_oxycodone_for_a_patient_on_cyclobenzaprine_gets_a_card(client: TestClient) -> None:
    """Cyclobenzaprine label: additive CNS depression with other CNS depressants (opioids);
    the draft opioid is checked against the relaxant already taken."""
    oxy = med("d1", "1049621", "oxycodone hydrochloride 5 MG Oral Tablet", 5, status="draft")
    r = client.post(ORDER, json=hook(drafts=(oxy,), meds=(cyclobenzaprine(),)))
    cards = [c for c in r.json()["cards"] if c["indicator"] != "info"]
    assert cards and all("oxycodone" in c["summary"].lower() for c in cards), r.json()


# -- item 3: the wrong hook -----------------------------------------------------------------------
def test_patient_view_at_the_order_service_is_a_wrong_hook(client: TestClient) -> None:
    """The order check answers order-select and order-sign only; a patient-view call there is a
    client error, not an empty all-clear."""
    body = hook(drafts=(cipro_draft(),), meds=(tizanidine(),))
    body["hook"] = "patient-view"
    r = client.post(ORDER, json=body)
    assert r.status_code == 400 and r.json()["field"] == "hook"


# -- item 4: required fields ----------------------------------------------------------------------
def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        node = body
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])

    return mutate


@pytest.mark.parametrize(
    ("name", "mutate", "field"),
    [
        ("order-sign", _drop("context"), "context"),
        ("order-sign", _drop("hookInstance"), "hookInstance"),
        ("order-sign", _drop("context", "patientId"), "context.patientId"),
        ("order-sign", _drop("context", "draftOrders"), "context.draftOrders"),
        ("order-select", _drop("context", "draftOrders"), "context.draftOrders"),
        ("order-select", _drop("context", "selections"), "context.selections"),
        ("patient-view", _drop("context", "patientId"), "context.patientId"),
    ],
)
def test_a_missing_required_field_is_a_400_naming_it(
    client: TestClient, name: str, mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    """CDS Hooks 2.0: hook, hookInstance and context are required; order-select/order-sign
    context requires patientId and draftOrders (order-select also selections); patient-view
    requires patientId. Without them the request is not answered with an empty all-clear."""
    body = hook(name, drafts=(cipro_draft(),), meds=(tizanidine(),))
    mutate(body)
    r = client.post(REVIEW if name == "patient-view" else ORDER, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field


# -- item 5: patient-view covers every rule -------------------------------------------------------
def test_patient_view_warns_an_older_adult_on_an_opioid_and_a_benzodiazepine(
    client: TestClient,
) -> None:
    """AGS Beers 2023: avoid opioids with benzodiazepines in adults 65 and older; the review of
    an 86-year-old's current drugs says so though no muscle relaxant is listed."""
    meds = (med("o", "1049621", "oxycodone hydrochloride 5 MG Oral Tablet", 5),
            med("a", "308048", "alprazolam 0.5 MG Oral Tablet", 0.5))  # fmt: skip
    r = client.post(REVIEW, json=hook("patient-view", meds=meds, patient=OLD))
    assert r.status_code == 200
    assert "MRX-BEERS-004" in codes(r.json()["cards"]), r.json()


def test_patient_view_with_a_borrowed_medication_list_says_it_may_be_incomplete(
    client: TestClient,
) -> None:
    """A medication list read from the EHR's own prefetch keys may be narrower than this
    service's query: nothing found in it is not an all-clear, and the review says so."""
    body = hook("patient-view")
    body["prefetch"] = {"patient": ADULT,
                        "item1": bundle(med("l", "314076", "lisinopril 10 MG Oral Tablet", 10))}  # fmt: skip
    r = client.post(REVIEW, json=body)
    assert r.status_code == 200
    summaries = [c["summary"] for c in r.json()["cards"]]
    assert any("possibly incomplete medications" in s for s in summaries), summaries


# -- item 6: a stray key outside prefetch is not read, and the card says what is known ----------
def test_medications_outside_prefetch_are_said_as_not_found_in_the_prefetch(
    client: TestClient,
) -> None:
    """A MedicationRequest under a stray top-level key (opioid-cds-r4 request-example-rec-11)
    is not read; the card says no medications were found in the prefetch, not that the EHR
    sent none."""
    body = hook(drafts=(cipro_draft(),))
    body["prefetch"].pop("medications")
    body["item4"] = bundle(tizanidine())
    r = client.post(ORDER, json=body)
    assert r.status_code == 200
    details = " ".join(c.get("detail") or "" for c in r.json()["cards"])
    assert "no medications" in details and "were found in the prefetch" in details
    assert "the EHR sent no" not in details


EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "cds-hooks"


@pytest.mark.skipif(not EXTERNAL.exists(), reason="../shared/external is not present")
def test_published_requests_carry_the_required_fields() -> None:
    """The real requests (CDC opioid IG, Fimea, cqf-ruler) are not refused by the new checks:
    each names hookInstance, context, and its hook's required context fields."""
    import json

    from myorelax.cds_hooks.models import HookRequest

    seen = 0
    for path in sorted(EXTERNAL.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        if "responses" in path.parts or '"hook"' not in text or '"context"' not in text:
            continue
        body, _ = json.JSONDecoder().raw_decode(text.strip())
        if "extension" in path.name:  # the spec's extension example shows only the extension
            continue
        request = HookRequest.model_validate(body)
        assert request.missing_context() is None, path
        seen += 1
    assert seen > 60


# -- second audit: suggestion uuids, OUD treatment, the not-checked summary ----------------------
def test_two_cards_offering_to_remove_one_draft_have_different_suggestion_uuids(
    client: TestClient,
) -> None:
    """CDS Hooks 2.0: a suggestion's uuid identifies it (feedback's acceptedSuggestions refer to
    it). Carisoprodol drafted for a patient on oxycodone and hydrocodone gives two MRX-DDI-003
    cards, each offering to remove the draft: the uuids were the same on both."""
    cari = med("d1", "197446", "carisoprodol 350 MG Oral Tablet", 350, status="draft")
    oxy = med("m1", "1049621", "oxycodone hydrochloride 5 MG Oral Tablet", 5)
    hydro = med("m2", "856999", "hydrocodone bitartrate 5 MG / acetaminophen 325 MG", 5)
    r = client.post(ORDER, json=hook(drafts=(cari,), meds=(oxy, hydro)))
    assert r.status_code == 200, r.text
    uuids = [s["uuid"] for c in r.json()["cards"] for s in c.get("suggestions") or []]
    assert len(uuids) >= 2
    assert len(uuids) == len(set(uuids))


def test_a_card_never_offers_to_remove_buprenorphine_it_says_not_to_withhold(
    client: TestClient,
) -> None:
    """FDA (2017): do not withhold buprenorphine or methadone for opioid use disorder because
    of a CNS depressant. Drafting carisoprodol and buprenorphine together, the card said so and
    then offered 'Remove the draft buprenorphine order'; only the relaxant is offered now."""
    cari = med("d1", "197446", "carisoprodol 350 MG Oral Tablet", 350, status="draft")
    bup = med("d2", "351264", "buprenorphine 8 MG Sublingual Tablet", 8, status="draft")
    r = client.post(ORDER, json=hook(drafts=(cari, bup)))
    assert r.status_code == 200, r.text
    cards = [c for c in r.json()["cards"] if "buprenorphine" in c["summary"].lower()]
    assert cards, r.json()
    targets = {a["resourceId"] for c in cards for s in c.get("suggestions") or []
               for a in s["actions"]}  # fmt: skip
    assert "MedicationRequest/d2" not in targets
    assert "MedicationRequest/d1" in targets


# -- a split dose and a dose in steps in one MedicationRequest ------------------------------------
def _baclofen_draft(*steps: tuple[float, int, int]) -> dict[str, Any]:
    """A draft baclofen 10 mg order whose dosageInstruction holds (mg, doses a day, sequence)."""
    draft = med("d1", "197391", "baclofen 10 MG Oral Tablet", 10, status="draft")
    unit = {"unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    draft["dosageInstruction"] = [
        {
            "sequence": seq,
            "timing": {"repeat": {"frequency": n, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": mg, **unit}}],
        }
        for mg, n, seq in steps
    ]
    return draft


def test_a_split_dose_over_the_daily_maximum_in_one_request_gets_a_card(
    client: TestClient,
) -> None:
    """Two dosages of one sequence are taken together (FHIR R4 Dosage.sequence): 20 mg four
    times a day and 10 mg once more is 90 mg a day, above baclofen's 80 mg (Ozobax 2.1). Only
    the first dosage was read, and the card was clean of it."""
    r = client.post(ORDER, json=hook(drafts=(_baclofen_draft((20, 4, 1), (10, 1, 1)),)))
    assert r.status_code == 200, r.text
    summaries = [c["summary"] for c in r.json()["cards"]]
    assert any("90 mg/day over 2 lines" in s for s in summaries), summaries


def test_later_steps_of_a_dosage_are_said_on_the_card(client: TestClient) -> None:
    r = client.post(ORDER, json=hook(drafts=(_baclofen_draft((5, 3, 1), (10, 3, 2)),)))
    assert r.status_code == 200, r.text
    details = " ".join(c.get("detail") or "" for c in r.json()["cards"])
    assert "the later step (sequence 2) was not" in details, r.json()
