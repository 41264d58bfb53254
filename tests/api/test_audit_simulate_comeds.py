"""The simulator never drops a co-medication or a kidney value in silence, and its JSON carries
units (audit items 2 and 3).

An unknown co-medication used to vanish: `POST /api/v1/simulate` answered `comedications: []`
with nothing in the notes, so the curve looked checked against it. A co-medication the safety
check pairs with the drug (a pharmacodynamic interaction) but whose effect the PK does not model
was not said either. An eGFR was reported as "kidney function not given", though it was given:
the model's kidney covariate is on creatinine clearance and no conversion is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from myorelax.api.app import create_app, create_demo_accounts
from myorelax.api.settings import Settings
from myorelax.api.web.charts import simulation_charts
from myorelax.clinical.inputs import patient_from_data
from myorelax.clinical.sig import parse_sig
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.simulate import simulate_regimen
from tests.conftest import CliRunner

UNKNOWN = "flibbertigibbet 10 mg bid"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    db: Path = tmp_path_factory.mktemp("sim") / "db.sqlite"
    settings = Settings(database_url=f"sqlite:///{db}", cds_allow_unsigned=True,
                        create_demo_users=False)  # fmt: skip
    app = create_app(settings)
    with TestClient(app) as c:
        pw = create_demo_accounts(app.state.myorelax)
        tok = c.post("/api/v1/auth/login",
                     json={"username": "demo-clinician", "password": pw["demo-clinician"]})  # fmt: skip
        yield c, {"Authorization": f"Bearer {tok.json()['access_token']}"}


def post(client: tuple[TestClient, dict[str, str]], patient: dict[str, Any]) -> dict[str, Any]:
    c, headers = client
    body = {"sig": "tizanidine 4 mg tid", "days": 2, "step_h": 0.5, "patient": patient}
    r = c.post("/api/v1/simulate", json=body, headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_unknown_comedication_is_a_not_checked_item(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    """The audit's case: the unknown line is named in `not_checked` (reason unknown_drug) and
    the answer says its effect on tizanidine exposure is not in the simulation."""
    d = post(client, {"age_years": 50, "medications": [UNKNOWN]})
    (n,) = d["not_checked"]
    assert n["kind"] == "medication" and n["item"] == UNKNOWN and n["reason"] == "unknown_drug"
    assert "tizanidine exposure" in n["detail"]
    assert post(client, {"age_years": 50})["not_checked"] == []


def test_known_comedication_with_an_unmodelled_interaction_is_said(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    """Lisinopril with tizanidine: the check has an additive hypotension interaction, which is
    not a change in exposure; the simulation says it does not model it. Amoxicillin has no
    interaction with tizanidine: nothing is said about it."""
    d = post(client, {"age_years": 50, "medications": ["lisinopril 10 mg daily"]})
    said = [n for n in d["notes"] if n.startswith("lisinopril")]
    assert len(said) == 1 and "does not model" in said[0] and "pharmacodynamic" in said[0]
    d = post(client, {"age_years": 50, "medications": ["amoxicillin 500 mg tid"]})
    assert not [n for n in d["notes"] if "amoxicillin" in n.lower()]


def test_egfr_given_is_not_called_missing(client: tuple[TestClient, dict[str, str]]) -> None:
    """eGFR 90 given without a CrCl: the note says the eGFR was given and the model needs CrCl
    (Cockcroft-Gault inputs or a CrCl), never 'kidney function not given'."""
    d = post(client, {"age_years": 50, "egfr_ml_min": 90})
    kidney = [n for n in d["notes"] if "crcl" in n.lower()]
    assert kidney and all("not given" not in n.split(";")[0] for n in kidney)
    assert any("eGFR 90" in n and "uses CrCl (Cockcroft-Gault)" in n for n in kidney)


def test_json_units_of_the_model_and_the_dosing_records(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    """Every typical value has a unit beside it (L/h, L, 1/h), and so have the dosing records'
    fields (mg, h); the records themselves keep their contract (plain NONMEM fields)."""
    d = post(client, {"age_years": 50})
    typical, units = d["model"]["typical"], d["model"]["typical_units"]
    assert set(units) == set(typical)
    assert units["cl"] == "L/h" and units["v"] == "L" and units["ka"] == "1/h"
    assert d["dosing_record_units"] == {"time": "h", "amt": "mg", "ii": "h", "rate": "mg/h"}
    assert set(d["dosing_records"][0]) == {"time", "amt", "ii", "addl", "rate", "cmt", "ss"}


def test_cli_shows_the_unknown_comedication(cli: CliRunner) -> None:
    """`simulate --med` with an unknown drug: the table output says 'not checked' with its name,
    and `--json` lists it."""
    r = cli("simulate", "tizanidine 4 mg tid", "--days", "1", "--med", UNKNOWN)
    assert r.returncode == 0, r.stderr
    assert "not checked" in r.stdout and "flibbertigibbet" in r.stdout
    r = cli("simulate", "tizanidine 4 mg tid", "--days", "1", "--med", UNKNOWN, "--json")
    assert [n["item"] for n in json.loads(r.stdout)["not_checked"]] == [UNKNOWN]


def test_web_curve_says_the_unknown_comedication(kb: KnowledgeBase) -> None:
    """The web page's sentences above the curve name the unknown co-medication."""
    patient = patient_from_data({"medications": [UNKNOWN]})
    this = simulate_regimen(parse_sig("tizanidine 4 mg tid"), patient, kb, days=1)
    typical = simulate_regimen(parse_sig("tizanidine 4 mg tid"), patient_from_data({}), kb, days=1)
    _, summary = simulation_charts(this, typical)
    assert any("flibbertigibbet" in s for s in summary["sentences"])
    assert [n["item"] for n in summary["not_checked"]] == [UNKNOWN]
