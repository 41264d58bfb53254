"""Pharmacogenomic checks.

MRX-PGX-001 a labelled pharmacogenomic effect for the patient's phenotype (carisoprodol in
            CYP2C19 poor metabolizers)
"""

from __future__ import annotations

from myorelax.safety.alert import Alert, ExposureEstimate
from myorelax.safety.checks.common import make_alert
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
            exposure = None
            if g.auc_ratio is not None:
                exposure = ExposureEstimate(
                    auc_ratio=g.auc_ratio.upper,
                    basis=f"{g.gene} {g.phenotype}: exposure ratio from the label ({g.auc_ratio.text()})",
                )
            out.append(
                make_alert(
                    ctx,
                    "MRX-PGX-001",
                    g.severity,
                    f"{drug.name} in a {g.gene} {g.phenotype}: {g.effect}",
                    f"The patient is a **{g.gene} {g.phenotype}**. {g.effect} {g.action}",
                    [a.drug],
                    f"{g.gene} activity determines how fast {drug.name} is cleared.",
                    g.action,
                    g,
                    exposure=exposure,
                )
            )
    return out
