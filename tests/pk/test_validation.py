"""Typical-subject simulations reproduce the label and literature values within tolerance."""

from __future__ import annotations

from pathlib import Path

from myorelax.cli.pk_validation_doc import update
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.pk.validation import renal_subgroup_table, validation_table
from myorelax.pk.vpc import N_SUBJECTS, study_vpc

# Values outside tolerance, each with the reason; kept exact: a listed row that comes back within
# tolerance fails too, so the list cannot hide a regression or outlive a fix.
KNOWN_DEVIATIONS = {
    # Meprobamate is formed in proportion to the parent's central concentration: with a 2 h parent
    # and a 9.6 h metabolite half-life its peak cannot come before about 5.7 h (even after an
    # intravenous parent dose); the label's 3.6 h is a mean of individual peak times (SD 1.7 h).
    # Formation during first pass (a fraction fp of the absorbed dose turned into meprobamate
    # before it reaches the circulation, parent CL/V scaled by 1 - fp so that the parent is
    # unchanged) was checked with an ODE outside the solver: the typical meprobamate peak moves
    # to 5.4 h at fp 0.15 (this row within tolerance), 4.0 h at fp 0.7 (both label means);
    # meprobamate Cmax rises 1-5%. No source gives carisoprodol's bioavailability or a
    # presystemic fraction, so fp would be fitted to Tmax means alone, and the CYP2C19
    # poor-metaboliser factors (parent x4, meprobamate x0.5) would have to be re-derived;
    # the solver change (one more depot-to-metabolite rate, same eigenvalues) is left undone.
    ("meprobamate", "Tmax", "meprobamate formed after a single oral 250"),
    # Intravenous bolus: the simulated peak is at time 0; the label's Tmax is the first sample,
    # 1 minute after the push (the concentration there is reproduced, Cmax row).
    ("dantrolene", "Tmax", "single intravenous push"),
    # Oral dosing enters the intravenous disposition (one model, two routes), whose terminal
    # half-life is the label's intravenous median of 10.8 h (means 8.5-11.4 h over 1-2.5 mg/kg);
    # the Swiss product information gives 8.2 h after 25 mg by mouth, with no spread or sample
    # size, so the two sources differ by about as much as the intravenous means do.
    ("dantrolene", "half-life", "single oral dose"),
    # Food leaves the model's disposition unchanged; the label's shorter fed half-life (4.2 h
    # against 8-9 h fasted) is attributed to more complete absorption, which a single
    # first-order absorption cannot express (fed Cmax, Tmax and AUC are reproduced).
    ("metaxalone", "half-life", "single oral dose after a standard high-fat"),
    # Same dose (1500 mg), fasting, healthy adults as Ascaso-del-Rio 2025, on which the model is
    # built: AUC 58 against 90 mcg*h/mL is between-study variability (population, assay), not a
    # covariate the model has.
    ("methocarbamol", "AUClast (vs AUCinf)", "single oral dose, fasting (overnight"),
    # Derived from the label's 2.5 h; the label's fasted bioequivalence study reports 2 h (ratio
    # 1.25, at the edge of the tolerance).
    ("tizanidine", "half-life", "single dose, two 4 mg tablets"),
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


def test_baclofen_renal_subgroups_are_reproduced(kb: KnowledgeBase) -> None:
    """Vlavonou 2014 (pmid-24414993): AUC x1.5, x2 and x3 in mild, moderate and severe CKD
    against CrCl >80 mL/min; the renal covariate (the kidney alert's code) within 25% of each."""
    rows = [r for r in renal_subgroup_table(kb) if r.drug == "baclofen"]
    assert {r.label for r in rows} == {"mild CKD", "moderate CKD", "severe CKD"}
    for r in rows:
        assert r.source == "pmid-24414993"
        assert r.within, (r.label, r.reported, round(r.predicted, 2))
    severe = next(r for r in rows if r.label == "severe CKD")
    assert severe.predicted > 2.5  # the harm the alert exists for: not under-called


def test_every_renal_subgroup_is_within_tolerance(kb: KnowledgeBase) -> None:
    rows = renal_subgroup_table(kb)
    assert rows
    assert all(r.within for r in rows), [(r.drug, r.label, round(r.ratio, 2)) for r in rows]


def test_vpc_bands_are_ordered_and_reproducible(kb: KnowledgeBase) -> None:
    """The population check of a study: one band per reported value, p5 <= median <= p95, the
    same numbers on a second run (fixed seed per study), and for baclofen's healthy-volunteer
    studies every reported mean inside the simulated 90% interval."""
    mono = kb.drugs["baclofen"]
    for obs in mono.pk.observed:
        a = study_vpc(mono, obs, n=N_SUBJECTS)
        if a is None:
            continue
        b = study_vpc(mono, obs, n=N_SUBJECTS)
        assert b is not None and a.bands == b.bands
        assert len(a.bands) == len(a.rows)
        for r, band in zip(a.rows, a.bands, strict=True):
            assert band.p5 <= band.p50 <= band.p95
            assert band.contains(r.reported), (r.metric, r.study, r.reported, band)
