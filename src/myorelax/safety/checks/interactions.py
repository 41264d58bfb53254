"""Drug-drug interactions, from the monographs' PDDI-style interaction knowledge.

MRX-DDI-001 pharmacokinetic interaction (exposure changed by an inhibitor or inducer)
MRX-DDI-002 serotonin syndrome risk (MAO inhibitors, serotonergic drugs)
MRX-DDI-003 additive CNS depression (opioids, benzodiazepines, other CNS depressants, alcohol)
MRX-DDI-004 carisoprodol with an opioid and a benzodiazepine ("holy trinity")
MRX-DDI-005 other pharmacodynamic interaction (hypotension, other)

Buprenorphine and methadone for opioid use disorder are never advised to be stopped.
"""

from __future__ import annotations

from myorelax.knowledge.schema import SEVERITY_ORDER, Interaction
from myorelax.pk.exposure import ExposureRatio, interaction_exposure
from myorelax.safety.alert import Alert, ExposureEstimate
from myorelax.safety.checks.common import make_alert, simulated_note
from myorelax.safety.context import Active, CheckContext

CNS_GROUPS = frozenset(
    {
        "opioids",
        "benzodiazepines",
        "cns_depressants",
        "alcohol",
        "z_drugs",
        "barbiturates",
        "gabapentinoids",
        "sedating_antihistamines",
        "antipsychotics",
        "tricyclic_antidepressants",
        "other_sedating_antidepressants",
        "skeletal_muscle_relaxants",
        "carbamates",
    }
)
SEROTONERGIC_GROUPS = frozenset({"maois", "ssris", "snris", "serotonergic_other"})
OUD_FLAG = "oud_treatment"
OUD_NOTE = (
    " Do not stop or withhold {name} given for opioid use disorder: stopping it raises the "
    "risk of relapse and overdose. Coordinate with the prescriber, reduce or avoid the other "
    "CNS depressants, and monitor sedation and breathing."
)


def code_for(x: Interaction) -> str:
    text = f"{x.consequence} {x.mechanism}".lower()
    group = x.object.group or ""
    if group in SEROTONERGIC_GROUPS or "serotonin" in text:
        return "MRX-DDI-002"
    if group in CNS_GROUPS or x.object.drug == "ethanol":
        return "MRX-DDI-003"
    if x.kind in ("pharmacokinetic", "both") or x.exposure is not None:
        return "MRX-DDI-001"
    return "MRX-DDI-005"


def _matches(x: Interaction, b: Active) -> bool:
    if x.object.drug is not None:
        return x.object.drug == b.drug
    return x.object.group in b.groups


def _involved(ctx: CheckContext, *actives: Active) -> bool:
    has_orders = any(a.is_order for a in ctx.active)
    return (not has_orders) or any(a.is_order for a in actives)


def check(ctx: CheckContext) -> list[Alert]:
    best: dict[tuple[str, str, str], tuple[int, int, Interaction, Active, Active]] = {}
    for a in ctx.subjects:
        drug = ctx.monograph(a)
        if drug is None:
            continue
        for x in drug.interactions:
            for b in ctx.active:
                if b.drug == a.drug or not _matches(x, b):
                    continue
                code = code_for(x)
                rank = (0 if x.object.drug else 1, SEVERITY_ORDER.index(x.severity))
                lo, hi = sorted((a.drug, b.drug))
                key = (code, lo, hi)
                prev = best.get(key)
                if prev is None or rank < (prev[0], prev[1]):
                    best[key] = (rank[0], rank[1], x, a, b)
    out = [_alert(ctx, code, x, a, b) for (code, _, _), (_, _, x, a, b) in best.items()]
    out += _holy_trinity(ctx)
    return out


def _alert(ctx: CheckContext, code: str, x: Interaction, a: Active, b: Active) -> Alert:
    exposure = None
    sim: tuple[ExposureRatio, ...] = ()
    mono = ctx.monograph(a)
    if mono is not None and x.exposure and x.exposure.auc_ratio:
        sim = interaction_exposure(mono, ctx.terminology.ingredient(b.drug), a.order)
    parent = next((r for r in sim if r.analyte == a.drug), None)
    if x.exposure and (x.exposure.auc_ratio or x.exposure.cmax_ratio):
        reported_cmax = x.exposure.cmax_ratio.upper if x.exposure.cmax_ratio else None
        exposure = ExposureEstimate(
            auc_ratio=x.exposure.auc_ratio.upper if x.exposure.auc_ratio else None,
            cmax_ratio=reported_cmax
            if reported_cmax is not None
            else (round(parent.cmax_ratio, 3) if parent else None),
            basis=f"reported with {x.object.drug or x.object.group} (interaction study)"
            + (f"; {parent.text()}" if parent else ""),
        )
    via = f" (class: {x.object.group.replace('_', ' ')})" if x.object.group else ""
    detail = (
        f"**{a.name}** with **{b.name}**{via}: {x.consequence}"
        + (f" Exposure: AUC x{exposure.auc_ratio:g}" if exposure and exposure.auc_ratio else "")
        + (f", Cmax x{exposure.cmax_ratio:g}." if exposure and exposure.cmax_ratio else "")
        + (simulated_note(sim) if parent else "")
    )
    if b.drug == "ethanol" and b.order is None:
        detail += " The patient drinks alcohol."
    if x.modifiers:
        detail += " Context: " + " ".join(
            f"When {m.when}: {m.recommendation} ({m.severity})." for m in x.modifiers
        )
    recommendation = x.recommendation
    if OUD_FLAG in b.flags:
        recommendation += OUD_NOTE.format(name=b.name)
        detail += f" {b.name} may be treatment for opioid use disorder."
    return make_alert(
        ctx,
        code,
        x.severity,
        f"{a.name} + {b.name}: {x.consequence}",
        detail,
        [a.drug, b.drug],
        x.mechanism,
        recommendation,
        x,
        *x.evidence,
        exposure=exposure,
    )


def _holy_trinity(ctx: CheckContext) -> list[Alert]:
    cari = [a for a in ctx.active if a.drug == "carisoprodol"]
    opioids = [a for a in ctx.active if "opioids" in a.groups]
    benzos = [a for a in ctx.active if "benzodiazepines" in a.groups]
    if not (cari and opioids and benzos) or not _involved(ctx, *cari, *opioids, *benzos):
        return []
    names = ", ".join(a.name for a in (*cari, *opioids, *benzos))
    oud = [a for a in opioids if OUD_FLAG in a.flags]
    recommendation = (
        "Do not combine: stop or avoid carisoprodol (taper it if used long-term) and avoid "
        "benzodiazepines with opioids; use non-drug treatment and non-sedating analgesia. If "
        "the combination continues, prescribe naloxone and monitor breathing."
    )
    if oud:
        recommendation += OUD_NOTE.format(name=oud[0].name)
    return [
        make_alert(
            ctx,
            "MRX-DDI-004",
            "major",
            "Carisoprodol + opioid + benzodiazepine ('holy trinity'): high risk of overdose and death",
            f"Active together: **{names}**. This combination is sought for its euphoric effect "
            "and is repeatedly found in overdose deaths; each adds CNS and respiratory "
            "depression.",
            [a.drug for a in (*cari, *opioids, *benzos)],
            "Additive CNS and respiratory depression from three CNS depressants (carisoprodol "
            "and its metabolite meprobamate, an opioid, a benzodiazepine).",
            recommendation,
            *(ctx.kb.rules["MRX-DDI-004"].evidence),
        )
    ]
