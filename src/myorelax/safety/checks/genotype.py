"""Pharmacogenomic checks.

MRX-PGX-001 a labelled pharmacogenomic effect for the patient's phenotype (carisoprodol in
            CYP2C19 poor metabolizers)
"""

from __future__ import annotations

from myorelax.pk.exposure import patient_exposure
from myorelax.safety.alert import Alert, ExposureEstimate
from myorelax.safety.checks.common import make_alert, simulated_note
from myorelax.safety.context import CheckContext


def check(ctx: CheckContext) -> list[Alert]:
    out: list[Alert] = []
    phen = ctx.patient.cyp2c19
    if phen is None:
        return out
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        for g in drug.populations.pharmacogenomics:
            if g.gene.upper() != "CYP2C19" or g.phenotype != phen:
                continue
            sim = patient_exposure(drug, ctx.patient, a.order, frozenset({"cyp2c19"}))
            parent = next((r for r in sim if r.analyte == drug.id), None)
            exposure = None
            if g.auc_ratio is not None or parent is not None:
                basis = []
                if g.auc_ratio is not None:
                    basis.append(f"AUC x{g.auc_ratio.upper:g} from the label")
                if parent is not None:
                    basis.append(parent.text())
                exposure = ExposureEstimate(
                    auc_ratio=g.auc_ratio.upper if g.auc_ratio else parent.auc_ratio,  # type: ignore[union-attr]
                    cmax_ratio=round(parent.cmax_ratio, 3) if parent else None,
                    basis=f"{g.gene} {g.phenotype}: " + "; ".join(basis),
                )
            out.append(
                make_alert(
                    ctx,
                    "MRX-PGX-001",
                    g.severity,
                    f"{drug.name} in a {g.gene} {g.phenotype}: {g.effect}",
                    f"The patient is a **{g.gene} {g.phenotype}**. {g.effect} {g.action}"
                    + simulated_note(sim),
                    [a.drug],
                    g,
                    values={"gene": g.gene, "drug": drug.name, "action": g.action},
                    exposure=exposure,
                )
            )
    return out
