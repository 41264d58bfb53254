"""A site's own reviewed knowledge folder (`MYORELAX_KNOWLEDGE_DIR`, `--knowledge`) is what every
interface uses: the CLI, the REST API, CDS Hooks and the FHIR check, in a real server process.

The site's folder here changes two things, with knowledge files only (no Python):
- baclofen's maximum daily dose, lowered from 80 to 60 mg: 20 mg four times a day then raises
  the dose alert;
- a new interaction rule: tizanidine with a new group, CYP1A2 inducers (carbamazepine), as the
  closing note of issue 19 describes adding a rule.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.api.fhir_fakes import hook_request, med_request, prefetch_of
from tests.api.server import Keys, Server
from tests.conftest import CliRunner

ORDER = "baclofen 20 mg qid"
DOSE_CODES = {"MRX-DOSE-001", "MRX-DOSE-002"}


def _site_folder(dst: Path) -> Path:
    src = Path(str(resources.files("myorelax.knowledge") / "data"))
    shutil.copytree(src, dst)
    drug = dst / "drugs" / "baclofen.yaml"
    text = drug.read_text()
    assert "max_daily: {value: 80, unit: mg}" in text
    drug.write_text(
        text.replace("max_daily: {value: 80, unit: mg}", "max_daily: {value: 60, unit: mg}")
    )
    groups = dst / "groups" / "site.yaml"
    groups.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "id": "cyp1a2_inducers",
                        "name": "CYP1A2 inducers (site rule)",
                        "flags": ["cyp1a2_inducer"],
                        "source": "fda-cyp-table",
                        "section": "Table 1, CYP1A2 inducers",
                        "members": [{"name": "carbamazepine", "rxcui": "2002"}],
                    }
                ]
            }
        )
    )
    tiz = dst / "drugs" / "tizanidine.yaml"
    data = yaml.safe_load(tiz.read_text())
    data["interactions"].append(
        {
            "id": "tizanidine-cyp1a2-inducers-site",
            "object": {"group": "cyp1a2_inducers"},
            "rule": "MRX-DDI-001",
            "severity": "moderate",
            "kind": "pharmacokinetic",
            "consequence": "Lower tizanidine exposure while the inducer is taken (site rule).",
            "mechanism": "CYP1A2 induction.",
            "recommendation": "Titrate to effect; watch for hypotension when the inducer stops.",
            "source": "fda-cyp-table",
            "section": "Table 1",
        }
    )
    tiz.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return dst


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _site_folder(tmp_path_factory.mktemp("site") / "knowledge")


@pytest.fixture(scope="module")
def site_server(
    site: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("site-db")
    srv = Server(f"sqlite:///{folder / 'site.db'}", keys,
                 extra_env={"MYORELAX_KNOWLEDGE_DIR": str(site)})  # fmt: skip
    yield srv
    srv.stop()


def _codes(alerts: list[dict[str, Any]]) -> set[str]:
    return {a["code"] for a in alerts}


def test_cli(run_cli: CliRunner, site: Path) -> None:
    packaged = json.loads(run_cli("check", "--order", ORDER, "--json").stdout)
    assert not _codes(packaged["alerts"]) & DOSE_CODES
    r = run_cli("--knowledge", str(site), "check", "--order", ORDER, "--json")
    assert r.returncode == 0, r.stderr
    assert _codes(json.loads(r.stdout)["alerts"]) & DOSE_CODES
    r = run_cli("--knowledge", str(site), "check", "--order", "tizanidine 2 mg tid",
                "--med", "carbamazepine 200 mg bid", "--json")  # fmt: skip
    alerts = json.loads(r.stdout)["alerts"]
    assert any("carbamazepine" in a["drugs"] for a in alerts), alerts
    bad = run_cli("--knowledge", str(site.parent), "check", "--order", ORDER)
    assert bad.returncode == 2 and "--knowledge" in bad.stderr


def test_rest_fhir_and_cds(site_server: Server, keys: Keys) -> None:
    auth = site_server.login("demo-clinician")
    r = httpx.post(site_server.base + "/api/v1/check", json={"orders": [ORDER]}, headers=auth)
    assert r.status_code == 200, r.text
    assert _codes(r.json()["alerts"]) & DOSE_CODES
    body = {"patient": {"medications": ["carbamazepine 200 mg bid"]},
            "orders": ["tizanidine 2 mg tid"]}  # fmt: skip
    r = httpx.post(site_server.base + "/api/v1/check", json=body, headers=auth)
    assert any("carbamazepine" in a["drugs"] for a in r.json()["alerts"])

    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01",
               "gender": "female"}  # fmt: skip
    draft = med_request(
        "d1",
        "tizanidine 2 MG Oral Tablet",
        per_day=3,
        dose_mg=2,
        status="draft",
        patient="Patient/p1",
    )
    current = med_request(
        "m1",
        "carbamazepine 200 MG Oral Tablet",
        per_day=2,
        dose_mg=200,
        status="active",
        patient="Patient/p1",
    )
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": x} for x in (patient, draft, current)]}  # fmt: skip
    r = httpx.post(site_server.base + "/api/v1/fhir/check", json=bundle, headers=auth)
    assert r.status_code == 200, r.text
    issues = [
        e["resource"] for e in r.json()["entry"] if e["resource"]["resourceType"] == "DetectedIssue"
    ]
    assert any("carbamazepine" in json.dumps(i).lower() for i in issues), issues

    path = "/cds-services/myorelax-order-check"
    request = hook_request("order-select", "p1", [draft], prefetch=prefetch_of([patient, current]))
    token = keys.token(site_server.base + path)
    r = httpx.post(site_server.base + path, json=request,
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    text = " ".join(c["summary"] + c.get("detail", "") for c in r.json()["cards"]).lower()
    assert "carbamazepine" in text
