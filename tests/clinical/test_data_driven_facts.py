"""Clinical facts read from the knowledge, not written in Python: the pregnancy age band and the
adult age (patient_states.yaml) in the patient model, the eGFR equation's adult age in the check
and in the screening alike, one creatinine conversion factor, the diary's taper and controlled
flags from the monographs only, and alert wording built from the rule's trigger and the drug's
own data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from myorelax.api.web.forms import scr_hint
from myorelax.clinical.patient import Patient, kidney_function
from myorelax.clinical.regimen import Regimen
from myorelax.clinical.renal import CREATININE_UMOL_PER_MG_DL
from myorelax.clinical.sig import parse_sig
from myorelax.diary.analysis import analyse_diary
from myorelax.diary.records import RegimenPeriod
from myorelax.knowledge.loader import KNOWLEDGE_ENV, load_knowledge, load_knowledge_from
from myorelax.safety.engine import evaluate_regimen
from myorelax.screening.inputs import ArrowInput
from myorelax.screening.run import screen
from tests.diary.synthetic import START, doses
from tests.knowledge_edits import edit_yaml
from tests.screening.omop import Omop, packaged_knowledge
from tests.screening.test_edge_cases import found

TID = ("08:00", "14:00", "20:00")


# --- item 2: pregnancy_possible.from_age ------------------------------------------------------
def test_pregnant_below_the_band_is_refused_and_at_its_start_allowed() -> None:
    with pytest.raises(ValidationError, match="pregnant: implausible"):
        Patient(age_years=7.9, pregnant=True)
    Patient(age_years=8, pregnant=True)


def test_a_site_band_moves_the_pregnancy_check(
    kb_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_yaml(
        kb_copy / "patient_states.yaml",
        lambda d: d["pregnancy_possible"]["from_age"].update(value=10),
    )
    monkeypatch.setenv(KNOWLEDGE_ENV, str(kb_copy))
    with pytest.raises(ValidationError, match="pregnant: implausible"):
        Patient(age_years=9, pregnant=True)


# --- item 3: adult_from_age for CKD-EPI, in the check and the screening -----------------------
def test_ckd_epi_follows_the_adult_age_of_the_knowledge(kb_copy: Path) -> None:
    child = Patient(age_years=17, sex="female", scr_mg_dl=0.9)
    assert kidney_function(child).egfr_ml_min is None
    edit_yaml(kb_copy / "patient_states.yaml", lambda d: d["adult_from_age"].update(value=16))
    states = load_knowledge_from(kb_copy).patient_states
    assert kidney_function(child, states=states).egfr_ml_min is not None


def test_the_screening_does_not_apply_ckd_epi_to_a_child() -> None:
    k = packaged_knowledge()
    k = k.model_copy(
        update={"thresholds": k.thresholds.model_copy(update={"adult_from_age_years": 18.0})}
    )
    o = Omop().person(1, birth="2011-06-15").person(2)  # 1 is 10 years old
    for pid in (1, 2):
        o.creatinine(pid, "2021-06-01", 4.5)
        o.drug(pid, "baclofen", "2021-07-01", supply=30)
    s = screen(ArrowInput(o.tables()), patterns=("MRX-RENAL-001",), knowledge=k)
    assert set(found(s, "MRX-RENAL-001")) == {2}


# --- item 4: one creatinine factor ------------------------------------------------------------
def test_the_form_hint_uses_the_renal_factor() -> None:
    # 213.5 / 88.42 = 2.41 (88.4 would give 2.42)
    assert f"{213.5 / CREATININE_UMOL_PER_MG_DL:.2f} mg/dL" in scr_hint("213.5")
    assert "2.41 mg/dL" in scr_hint("213.5")


# --- item 5: the diary reads the monographs only ----------------------------------------------
def _regimen(drug: str, mg: float) -> RegimenPeriod:
    return RegimenPeriod(id=1, patient_id=1, sig=f"{drug} {mg:g} mg tid", drug=drug,
                         dose_mg=mg, doses_per_day=3, times=TID, start=START)  # fmt: skip


def test_a_missed_meprobamate_day_is_a_withdrawal_alert_from_its_monograph() -> None:
    entries = doses("meprobamate", 400, range(14), TID, skip={6})
    a = analyse_diary(entries, [_regimen("meprobamate", 400)], start=START,
                      end=START + timedelta(days=13), kb=load_knowledge())  # fmt: skip
    assert [x.code for x in a.alerts if x.code == "DIARY-MISSED-RUN"]


def test_without_monographs_no_drug_name_list_stands_in() -> None:
    entries = doses("baclofen", 10, range(14), TID, skip={6})
    a = analyse_diary(entries, [_regimen("baclofen", 10)], start=START,
                      end=START + timedelta(days=13), kb=None)  # fmt: skip
    assert not [x for x in a.alerts if x.code == "DIARY-MISSED-RUN"]


# --- items 6 and 7: wording from the rule's trigger and the drug's data -----------------------
def test_the_holy_trinity_wording_follows_the_trigger() -> None:
    kb = load_knowledge()
    orders = ("carisoprodol 350 mg tid", "oxycodone 5 mg q6h", "diazepam 5 mg tid")
    report = evaluate_regimen(Patient(age_years=40),
                              Regimen(orders=tuple(parse_sig(o) for o in orders)), kb=kb)  # fmt: skip
    (alert,) = [a for a in report.alerts if a.code == "MRX-DDI-004"]
    assert "meprobamate" in alert.mechanism  # carisoprodol's active metabolite, from its monograph
    assert "holy trinity" in alert.detail  # the rule's description
    name = kb.groups["benzodiazepines"].name.lower()
    assert name in alert.summary and name in alert.mechanism


def test_the_beers_kidney_mechanism_is_the_drugs_own() -> None:
    kb = load_knowledge()
    patient = Patient(age_years=80, sex="female", weight_kg=60, egfr_ml_min=45)
    report = evaluate_regimen(patient, Regimen(orders=(parse_sig("baclofen 5 mg tid"),)), kb=kb)
    (alert,) = [a for a in report.alerts if a.code == "MRX-BEERS-002"]
    statements = kb.drugs["baclofen"].populations.renal.statements
    assert alert.mechanism == statements[0].text.strip()
    assert "encephalopathy" not in alert.mechanism
