"""Audit findings on real OMOP samples (GiBleed, Synthea27Nj): the screening's MRX-DDI-003 must
cover what the check's MRX-DDI-003 covers (diazepam with an opioid), and the result must say
what it could not map and which rules it does not screen (never silent)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.clinical.regimen import Regimen
from myorelax.safety.engine import evaluate_regimen
from myorelax.screening.inputs import ArrowInput
from myorelax.screening.run import screen
from myorelax.screening.sql import ScreeningOptions
from tests.screening.omop import Omop, packaged_knowledge, rxcui

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external" / "omop"


def _run(tables: dict[str, pa.Table], *codes: str):  # type: ignore[no-untyped-def]
    return screen(
        ArrowInput(tables),
        patterns=codes,
        options=ScreeningOptions(grace_days=0),
        knowledge=packaged_knowledge(),
    )


def test_diazepam_with_an_opioid_is_screened_as_the_check_alerts_it() -> None:
    """The check raises MRX-DDI-003 for diazepam with oxycodone (diazepam's monograph codes its
    opioid interaction MRX-DDI-003); the screening's MRX-DDI-003 took its partners from the
    relaxant class and missed diazepam (GiBleed: 0 found). The partners now come from the
    monographs' interaction knowledge, as the check reads them."""
    patient = patient_from_data({"age_years": 50, "crcl_ml_min": 90}).model_copy(
        update={"medications": (parse_sig("oxycodone 5 mg q6h"),)}
    )
    order = Regimen(orders=(parse_sig("diazepam 5 mg tid"),))
    report = evaluate_regimen(patient, order, kb=load_knowledge(), today=date(2022, 3, 1))
    assert "MRX-DDI-003" in {a.code for a in report.alerts}

    o = Omop().person(1).person(2)
    o.drug(1, "diazepam", "2022-02-20", supply=10).drug(1, "oxycodone", "2022-02-25", supply=10)
    o.drug(2, "alprazolam", "2022-02-20", supply=10).drug(2, "oxycodone", "2022-02-20", supply=10)
    s = _run(o.tables(), "MRX-DDI-003")
    # Alprazolam has no monograph: the check codes no MRX-DDI-003 for it, nor does the screen.
    assert s.result.patterns[0].person_ids == (1,)
    ids = {i.id for i in packaged_knowledge().drug_sets["opioid_cns_partners"].ingredients}
    assert {"diazepam", "baclofen", "carisoprodol", "dantrolene"} <= ids
    assert "alprazolam" not in ids


def test_unscreened_rules_are_listed_in_the_result() -> None:
    """MRX-BEERS-002 (baclofen below eGFR 60 at 65+, another threshold than the renal pattern's)
    has no pattern: the result names it (and every other unscreened rule) instead of staying
    silent; the Beers combinations that are screened are not listed."""
    o = Omop().person(1)
    o.drug(1, "oxycodone", "2022-02-20", supply=10)
    r = _run(o.tables()).result
    assert "MRX-BEERS-002" in r.rules_not_screened
    assert not {"MRX-DDI-003", "MRX-BEERS-003", "MRX-BEERS-004"} & set(r.rules_not_screened)
    assert any("MRX-BEERS-002" in n for n in r.notes)


def test_unmapped_rows_and_a_degraded_vocabulary_are_reported() -> None:
    """Rows with concept 0 (and those matched by source value), concepts the site's CONCEPT
    table lacks, and an empty CONCEPT_ANCESTOR are counted and noted (Synthea27Nj's vocabulary
    is partial and its CONCEPT_ANCESTOR empty; the result used to say nothing)."""
    o = Omop().person(1)
    o.drug(1, None, "2022-02-01", supply=14, concept=40_000_002)  # oxycodone, in CONCEPT
    o.drug(1, None, "2022-02-01", supply=14, concept=40_000_009)  # not in CONCEPT
    o.drug(1, None, "2022-02-01", supply=14, concept=40_000_009)
    o.drug(1, "carisoprodol", "2022-02-01", supply=14, by="source")  # concept 0, by source
    o.drug(1, None, "2022-02-01", supply=14, concept=0)  # concept 0, unmatched source
    tables = o.tables()
    tables["concept"] = pa.table(
        {
            "concept_id": pa.array([40_000_002], pa.int64()),
            "vocabulary_id": ["RxNorm"],
            "concept_code": [str(rxcui("oxycodone"))],
        }
    )
    tables["concept_ancestor"] = pa.table(
        {
            "ancestor_concept_id": pa.array([], pa.int64()),
            "descendant_concept_id": pa.array([], pa.int64()),
        }
    )
    r = _run(tables).result
    assert (r.rows_scanned, r.rows_matched) == (5, 2)
    assert (r.rows_concept_zero, r.rows_matched_by_source) == (2, 1)
    assert (r.concepts_missing, r.rows_concept_missing) == (1, 2)
    text = " ".join(r.notes)
    assert "CONCEPT_ANCESTOR is empty" in text
    assert "1 drug concept id(s) used by 2 drug_exposure row(s)" in text
    assert "2 drug_exposure row(s) have drug_concept_id 0" in text
    # Without a CONCEPT table, the project's own code list is all there is: said so.
    del tables["concept"], tables["concept_ancestor"]
    assert any("no CONCEPT table" in n for n in _run(tables).result.notes)


def _unzip(name: str, dest: Path) -> Path:
    zips = list((EXTERNAL / name).glob("*.zip"))
    if not zips:
        pytest.skip(f"{EXTERNAL / name} is absent")
    with zipfile.ZipFile(zips[0]) as z:
        members = [
            m
            for m in z.namelist()
            if "__MACOSX" not in m
            and Path(m).stem.lower() in {"person", "drug_exposure", "concept", "concept_ancestor"}
        ]
        for m in members:
            target = dest / Path(m).name
            target.write_bytes(z.read(m))
    return dest


def test_gibleed_finds_the_diazepam_and_opioid_person(tmp_path: Path) -> None:
    """GiBleed (real Athena concept ids): one person has diazepam overlapping an opioid, which
    the check alerts as MRX-DDI-003; the screen found 0 before."""
    folder = _unzip("eunomia-gibleed", tmp_path)
    r = screen(str(folder), patterns=["MRX-DDI-003"]).result
    assert r.rows_scanned == 67_707
    assert r.patterns[0].persons >= 1
    assert r.rows_concept_zero == 0 and r.concepts_missing == 0


def test_synthea27nj_says_its_concept_ancestor_is_empty(tmp_path: Path) -> None:
    """Synthea27Nj ships an empty CONCEPT_ANCESTOR: the result must say products are mapped
    only through the project's own product code list."""
    folder = _unzip("eunomia-synthea27nj", tmp_path)
    r = screen(str(folder)).result
    assert r.rows_scanned == 883
    assert any("CONCEPT_ANCESTOR is empty" in n for n in r.notes)
