"""Loading an RxNorm release (RRF) into the local index, and resolving through it.

The fixture (`tests/fixtures/rxnorm/`) is made of real RxNorm rows (see its README)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from myorelax.errors import InputError, UnknownDrugError
from myorelax.knowledge.loader import load_knowledge, load_products
from myorelax.knowledge.terminology import Terminology
from myorelax.store.db import upgrade_database
from myorelax.store.rxnorm import (
    LoadedRelease,
    loaded_release,
    ndc11_candidates,
    read_release,
    store_release,
)
from tests.conftest import CliRunner

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rxnorm"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    e = create_engine(f"sqlite:///{tmp_path / 'rx.db'}")
    upgrade_database(e)
    return e


def terminology_with(engine: Engine) -> Terminology:
    return Terminology(load_knowledge(), load_products, extra=(LoadedRelease(engine),))


def test_a_release_is_read_whole_and_obsolete_rows_are_skipped() -> None:
    release = read_release(FIXTURE)
    names = {(r, t) for r, t, _ in release.names}
    assert ("313413", "TMSY") in names and ("213226", "SBD") not in names
    assert release.brand_ingredients == {"151539": {"435", "7213"}, "202908": {"435"}}
    assert release.ndcs == [("80425002201", "313413"), ("80425002202", "313413")]


def test_an_rxcui_only_the_release_knows_resolves_after_loading(engine: Engine) -> None:
    # 1740467 (a 2 mL ondansetron injection, RxNorm 2017) is in no index shipped with myorelax;
    # the amoxicillin tablet this test used before (392151) now is (penicillins are a class).
    plain = Terminology(load_knowledge(), load_products)
    with pytest.raises(UnknownDrugError, match="load an RxNorm release"):
        plain.resolve_code("1740467")
    store_release(engine, read_release(FIXTURE))
    term = terminology_with(engine)
    match = term.resolve_code("1740467")
    assert [(m.ingredient.id, m.strength, m.unit) for m in match.ingredients] == [
        ("ondansetron", 2.0, "mg/mL")
    ]
    # A brand name resolves to its ingredients through RXNREL, read in either direction.
    brand = LoadedRelease(engine).by_brand("Combivent")
    assert [c.name for c in brand[0].components] == ["Albuterol", "Ipratropium"]
    # An NDC, hyphenated as on a package (5-4-1), reaches the tizanidine tablet.
    ndc = term.resolve_ndc("80425-0022-1")
    assert [(m.ingredient.id, m.strength) for m in ndc.ingredients] == [("tizanidine", 4.0)]
    # Tall Man and basis-of-strength names of the release resolve too.
    assert LoadedRelease(engine).by_name("tiZANidine 4 MG Oral Tablet")[0].rxcui == "313413"


def test_ndc_forms() -> None:
    assert ndc11_candidates("80425-0022-1") == ["80425002201"]
    assert ndc11_candidates("0002-3227-30") == ["00002322730"]
    assert ndc11_candidates("80425002201") == ["80425002201"]
    assert len(ndc11_candidates("8042500221")) == 3


@pytest.mark.parametrize("damage", ["missing", "columns", "truncated", "not a release"])
def test_a_bad_release_is_one_clear_error_and_keeps_the_previous_index(
    engine: Engine, tmp_path: Path, damage: str
) -> None:
    store_release(engine, read_release(FIXTURE))
    before = loaded_release(engine)
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURE, bad)
    rrf = bad / "rrf"
    if damage == "missing":
        (rrf / "RXNREL.RRF").unlink()
        message = "no RXNREL.RRF"
    elif damage == "columns":
        with (rrf / "RXNCONSO.RRF").open("a") as fh:
            fh.write("723|ENG|RXNORM|IN|Amoxicillin|\n")
        message = "RXNCONSO.RRF line 17: 5 columns where RRF has 18"
    elif damage == "truncated":
        text = (rrf / "RXNSAT.RRF").read_text()
        (rrf / "RXNSAT.RRF").write_text(text[:-9])
        message = "RXNSAT.RRF line 2: .* truncated"
    else:
        bad = tmp_path / "nothing.txt"
        bad.write_text("not RxNorm")
        message = "neither an RxNorm release folder nor its zip file"
    with pytest.raises(InputError, match=message):
        read_release(bad)
    after = loaded_release(engine)
    assert after is not None and before is not None and after.id == before.id


def test_a_zip_of_the_release_is_read(tmp_path: Path) -> None:
    archive = tmp_path / "RxNorm_full_fixture.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in (FIXTURE / "rrf").iterdir():
            z.write(f, f"rrf/{f.name}")
    assert len(read_release(archive).names) == len(read_release(FIXTURE).names)


def test_load_rxnorm_cli_then_check_an_order_by_ndc(run_cli: CliRunner, tmp_path: Path) -> None:
    """End to end: load the release with the CLI, then a check whose order is an NDC that only
    the release knows (tizanidine) and whose co-medication is ciprofloxacin: contraindicated."""
    env = {"MYORELAX_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        out = run_cli("terminology", "load-rxnorm", str(FIXTURE), "--json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["ndcs"] == 2
        out = run_cli(
            "check",
            "--order",
            "80425-0022-1 1 tab tid",
            "--med",
            "Cipro 500 mg bid",
            "--json",
        )
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        assert report["orders"][0]["drug"] == "tizanidine"
        assert report["orders"][0]["dose_mg"] == 4
        assert report["alerts"][0]["code"] == "MRX-DDI-001"
        bad = run_cli("terminology", "load-rxnorm", str(tmp_path))
        assert bad.returncode == 2
        assert bad.stderr.count("\n") == 1 and "RXNCONSO.RRF" in bad.stderr
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
