"""Typical-subject simulations reproduce the label and literature values within tolerance."""

from __future__ import annotations

from pathlib import Path

from myorelax.cli.pk_validation_doc import update
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.validation import validation_table

# Values outside tolerance, each with the reason; kept exact: a listed row that comes back within
# tolerance fails too, so the list cannot hide a regression or outlive a fix.
KNOWN_DEVIATIONS = {
    # Simon 2018 (alcohol use disorder patients) gives t1/2 4.35 h and a lower, later peak than the
    # healthy-volunteer studies; the published population model is kept as the source of truth.
    ("baclofen", "Cmax", "single oral dose, 2 x 25 mg"),
    ("baclofen", "Tmax", "single dose of oral solution"),
    ("baclofen", "half-life", "single dose of oral solution"),
    ("baclofen", "half-life", "single oral dose"),
    # The metabolite is formed from the eliminated parent in one compartment: its flat peak
    # comes later than the label's mean of individual peaks (AUC and half-life match).
    ("meprobamate", "Tmax", "meprobamate formed after a single oral 350"),
    ("meprobamate", "Tmax", "meprobamate formed after a single oral 250"),
    # One-compartment ER model fitted on AUC and Tmax: it cannot carry the 32-33 h terminal phase.
    ("cyclobenzaprine", "Cmax", "single extended-release capsule"),
    ("cyclobenzaprine", "half-life", "single extended-release capsule"),
    # One-compartment IV model: no distribution phase, so the 1-minute peak is under-predicted.
    ("dantrolene", "Cmax", "single intravenous push"),
    ("dantrolene", "Tmax", "single intravenous push"),
    # The food covariate scales clearance only; the label's fed profile also changes absorption.
    ("metaxalone", "Cmax", "single oral dose after a standard high-fat"),
    ("metaxalone", "half-life", "single oral dose after a standard high-fat"),
    ("metaxalone", "half-life", "single oral dose, fasted (two 400 mg tablets); wom"),
    # A second bioequivalence study with lower exposure than the reference study the model uses.
    ("methocarbamol", "AUClast (vs AUCinf)", "single oral dose, fasting (overnight"),
    # Derived from the label's 2.5 h; one label study reports 2 h.
    ("tizanidine", "half-life", "single dose, two 4 mg tablets"),
    # Fed-state and capsule studies: the model is for fasted tablets (label summary values) and
    # errs towards higher exposure.
    ("tizanidine", "Cmax", "single 4 mg tablet after a standardized high-fat"),
    ("tizanidine", "Cmax", "single 4 mg capsule after a standardized high-fat"),
    ("tizanidine", "Tmax", "single 4 mg capsule after a standardized high-fat"),
}


def _key(row: object) -> tuple[str, str, str] | None:
    for k in KNOWN_DEVIATIONS:
        who = row.analyte if k[0] == "meprobamate" else row.drug  # type: ignore[attr-defined]
        if who == k[0] and row.metric == k[1] and row.study.startswith(k[2]):  # type: ignore[attr-defined]
            return k
    return None


def test_simulations_reproduce_reported_values(kb: KnowledgeBase) -> None:
    rows = validation_table(kb)
    assert len(rows) >= 60
    unexpected = [r for r in rows if not r.within and _key(r) is None]
    assert not unexpected, [
        (r.drug, r.analyte, r.metric, r.study, round(r.ratio, 2)) for r in unexpected
    ]
    stale = [k for k in KNOWN_DEVIATIONS if all(r.within for r in rows if _key(r) == k)]
    assert not stale, f"listed as deviations but now within tolerance: {stale}"


def test_every_drug_with_a_model_and_single_dose_data_is_validated(kb: KnowledgeBase) -> None:
    covered = {r.drug for r in validation_table(kb)}
    assert covered >= {
        "baclofen", "carisoprodol", "chlorzoxazone", "cyclobenzaprine", "dantrolene",
        "diazepam", "meprobamate", "metaxalone", "methocarbamol", "tizanidine",
    }  # fmt: skip


def test_label_anchors_for_carisoprodol(kb: KnowledgeBase) -> None:
    """Label 12.3: 350 mg gives carisoprodol AUC 7.0 and t1/2 2.0 h, meprobamate AUC 46 and
    t1/2 9.6 h; the model reproduces these within 1%."""
    rows = {(r.analyte, r.metric): r for r in validation_table(kb) if "350 mg" in r.study}
    for key in [("carisoprodol", "AUCinf"), ("carisoprodol", "half-life"),
                ("meprobamate", "AUCinf"), ("meprobamate", "half-life")]:  # fmt: skip
        assert abs(rows[key].ratio - 1) < 0.01, key


def test_docs_table_is_current() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "validation.md"
    text = doc.read_text(encoding="utf-8")
    assert update(text) == text, "run `make docs` and commit"
