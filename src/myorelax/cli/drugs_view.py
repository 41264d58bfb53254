"""Human and JSON views of the knowledge base for `myorelax drugs ...` and `myorelax kb ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Group as RichGroup
    from rich.table import Table

    from myorelax.knowledge.schema import Amount, Cited, KnowledgeBase, Monograph, Statement


def drug_table(kb: KnowledgeBase) -> Table:
    from rich.table import Table

    from myorelax.reports.views import drug_rows

    table = Table(title=f"myorelax knowledge base {kb.version}", show_lines=False)
    for col in ("drug", "class", "schedule", "routes", "strengths"):
        table.add_column(col, overflow="fold")
    for row in drug_rows(kb):
        table.add_row(
            row["id"],
            ", ".join(c.replace("_", " ") for c in row["classes"]),
            row["dea_schedule"].replace("not_controlled", "-"),
            ", ".join(row["routes"]),
            row["strengths"],
        )
    return table


class _Citations:
    """Numbers citations in order of first use: [1], [2] ..."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.order: list[tuple[str, str | None]] = []

    def ref(self, item: Cited | None, inherited: Cited | None = None) -> str:
        source = item.source if item and item.source else (inherited.source if inherited else None)
        section = (
            item.section if item and item.source else (inherited.section if inherited else None)
        )
        if source is None:
            return ""
        key = (source, section)
        if key not in self.order:
            self.order.append(key)
        return f" [{self.order.index(key) + 1}]"

    def table(self) -> Table:
        from rich.markup import escape
        from rich.table import Table

        t = Table(title="Sources", show_header=False, box=None)
        t.add_column("n", justify="right")
        t.add_column("source", overflow="fold")
        for i, (sid, section) in enumerate(self.order, 1):
            src = self.kb.sources[sid]
            sec = f", section {section}" if section else ""
            t.add_row(f"[{i}]", f"{escape(src.title)}{sec}. {src.link}")
        return t


def _amount(a: Amount | None, cites: _Citations, block: Cited | None = None) -> str:
    if a is None:
        return "-"
    return a.text() + cites.ref(a, block)


def _statements(items: tuple[Statement, ...], cites: _Citations) -> list[str]:
    from rich.markup import escape

    return [escape(s.text) + cites.ref(s) for s in items]


def drug_panel(kb: KnowledgeBase, drug: Monograph) -> RichGroup:
    """A readable monograph with numbered citations."""
    from rich.console import Group as RichGroup
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    c = _Citations(kb)
    ids = drug.identifiers
    head = Text.from_markup(
        f"[bold]{escape(drug.name)}[/bold] - {escape(drug.summary)}\n"
        f"RxCUI {ids.rxcui.value}{c.ref(ids.rxcui)}  ATC {ids.atc.value if ids.atc else '-'}"
        f"{c.ref(ids.atc) if ids.atc else ''}  DEA schedule "
        f"{ids.dea_schedule.value.replace('not_controlled', 'not controlled')}"
        f"{c.ref(ids.dea_schedule)}\n"
        f"Brands: {escape(', '.join(drug.names.brands) or '-')}"
    )
    parts: list[Any] = [Panel(head, title=drug.id)]
    if drug.active_metabolites:
        mets = ", ".join(m.drug + c.ref(m) for m in drug.active_metabolites)
        parts.append(Text.from_markup(f"[bold]Active metabolites:[/bold] {mets}"))

    products = Table(title="Products", show_lines=False)
    for col in ("route", "form", "strengths", "scored", "brands"):
        products.add_column(col, overflow="fold")
    for p in drug.products:
        products.add_row(
            p.route,
            p.form.replace("_", " ") + ("" if p.release == "immediate" else f" ({p.release})"),
            ", ".join(a.text() for a in p.strengths) + c.ref(p),
            {True: "yes", False: "no", None: "-"}[p.scored],
            ", ".join(p.brands),
        )
    parts.append(products)

    dosing = Table(title="Dosing", show_lines=True)
    for col in (
        "regimen",
        "start",
        "usual",
        "titration",
        "max single",
        "max daily",
        "max duration",
    ):
        dosing.add_column(col, overflow="fold")
    for d in drug.dosing:
        tit = "-"
        if d.titration:
            if d.titration.schedule:
                tit = "; ".join(
                    f"{s.dose.text()} x{s.doses_per_day}/day"
                    + (f" for {s.days} d" if s.days else "")
                    for s in d.titration.schedule
                ) + c.ref(d.titration, d)
            elif d.titration.step:
                tit = f"+{_amount(d.titration.step, c, d.titration if d.titration.source else d)}"
                if d.titration.interval:
                    tit += f" every {d.titration.interval.text()}"
        dosing.add_row(
            f"{d.population}, {d.route}" + (f", {d.indication}" if d.indication else ""),
            _amount(d.start, c, d),
            _amount(d.usual_dose, c, d)
            + (f" x {d.doses_per_day.text()}/day" if d.doses_per_day else ""),
            tit,
            _amount(d.max_single, c, d),
            _amount(d.max_daily, c, d),
            _amount(d.max_duration, c, d),
        )
    parts.append(dosing)

    pop = drug.populations
    lines: list[str] = []
    if pop.min_age:
        lines.append(f"[bold]Minimum age[/bold]: {_amount(pop.min_age, c)}")
    for label, items in (
        ("Older adults", pop.geriatric),
        ("Pregnancy", pop.pregnancy),
        ("Lactation", pop.lactation),
        ("Kidney", pop.renal.statements),
        ("Liver", pop.hepatic.statements),
    ):
        for s in _statements(items, c):
            lines.append(f"[bold]{label}[/bold]: {s}")
    for b in pop.beers:
        lines.append(
            f"[bold]AGS Beers 2023[/bold]: {escape(b.recommendation)} - {escape(b.text)}{c.ref(b)}"
        )
    for r in pop.renal.adjustments:
        lim = []
        if r.crcl_below:
            lim.append(f"CrCl < {r.crcl_below.text()}")
        if r.egfr_below:
            lim.append(f"eGFR < {r.egfr_below.text()}")
        if r.dialysis:
            lim.append("dialysis")
        lines.append(
            f"[bold]Kidney ({' / '.join(lim)})[/bold] [{r.severity}]: {escape(r.action)}{c.ref(r)}"
        )
    for h in pop.hepatic.adjustments:
        lines.append(
            f"[bold]Liver ({h.impairment})[/bold] [{h.severity}]: {escape(h.action)}{c.ref(h)}"
        )
    for g in pop.pharmacogenomics:
        lines.append(
            f"[bold]{g.gene} {g.phenotype}[/bold] [{g.severity}]: {escape(g.effect)} "
            f"{escape(g.action)}{c.ref(g)}"
        )
    if lines:
        parts.append(Panel(Text.from_markup("\n".join(lines)), title="Populations"))

    safety: list[str] = []
    for ci in drug.contraindications:
        safety.append(f"[bold red]Contraindicated[/bold red]: {escape(ci.text)}{c.ref(ci)}")
    for w in drug.boxed_warnings:
        safety.append(f"[bold red]Boxed warning ({w.topic})[/bold red]: {escape(w.text)}{c.ref(w)}")
    for w in drug.warnings:
        safety.append(f"[bold]Warning ({w.topic})[/bold]: {escape(w.text)}{c.ref(w)}")
    if safety:
        parts.append(
            Panel(Text.from_markup("\n".join(safety)), title="Contraindications and warnings")
        )

    if drug.adverse_reactions:
        ar = Table(title="Common adverse reactions")
        for col in ("reaction", "incidence", "placebo"):
            ar.add_column(col)
        for a in drug.adverse_reactions:
            ar.add_row(
                a.term,
                _amount(a.incidence, c, a) if a.incidence else (a.frequency or "-"),
                a.placebo.text() if a.placebo else "-",
            )
        parts.append(ar)

    dep = drug.dependence
    dep_lines = [f"[bold]Abuse[/bold]: {s}" for s in _statements(dep.abuse, c)]
    if dep.withdrawal:
        if dep.withdrawal.signs:
            dep_lines.append(
                f"[bold]Withdrawal signs[/bold]: {escape(', '.join(dep.withdrawal.signs))}"
            )
        dep_lines += [
            f"[bold]Withdrawal[/bold]: {s}" for s in _statements(dep.withdrawal.statements, c)
        ]
    if dep.taper:
        needed = {True: "taper needed", False: "no taper needed", None: "taper need not stated"}
        dep_lines.append(
            f"[bold]Stopping[/bold]: {needed[dep.taper.needed]}{c.ref(dep.taper)}"
            + (f"; at least {dep.taper.min_duration.text()}" if dep.taper.min_duration else "")
        )
        dep_lines += [f"  {s}" for s in _statements(dep.taper.guidance, c)]
    if dep_lines:
        parts.append(
            Panel(Text.from_markup("\n".join(dep_lines)), title="Dependence, withdrawal, stopping")
        )

    pk = drug.pk
    pk_lines: list[str] = []
    summary = pk.summary
    for label, amount in (
        ("bioavailability", summary.bioavailability),
        ("Tmax", summary.tmax),
        ("half-life", summary.half_life),
        ("protein binding", summary.protein_binding),
        ("excreted unchanged", summary.fraction_excreted_unchanged),
    ):
        if amount:
            pk_lines.append(f"{label}: {_amount(amount, c)}")
    pk_lines += _statements(summary.statements, c)
    if pk.model:
        m = pk.model
        params = ", ".join(
            f"{k}={getattr(m.parameters, k).text()}"
            for k in type(m.parameters).model_fields
            if getattr(m.parameters, k) is not None
        )
        pk_lines.append(
            f"[bold]Model[/bold]: {m.compartments}-compartment, {m.absorption.replace('_', ' ')}"
            f"{' (apparent, CL/F and V/F)' if m.apparent else ''}"
            f"{' [derived]' if m.derived else ''}: {escape(params)}{c.ref(m)}"
        )
        if m.metabolite:
            pk_lines.append(
                f"[bold]Metabolite[/bold] {m.metabolite.drug}: fraction formed "
                f"{m.metabolite.fraction_formed.text()}, CL {m.metabolite.cl.text()}, "
                f"V {m.metabolite.v.text()}{c.ref(m.metabolite, m)}"
            )
        if m.oral:
            oral = m.oral
            lag = f", tlag {oral.tlag.text()}" if oral.tlag else ""
            pk_lines.append(
                f"[bold]Oral route[/bold]: first-order absorption ka {oral.ka.text()}, "
                f"F {oral.f.text()}{lag}{escape(' [derived]') if oral.derived else ''}"
                f"{c.ref(oral, m)}"
            )
    for o in pk.observed:
        vals = ", ".join(
            f"{name} {getattr(o, key).text()}"
            for name, key in (
                ("Cmax", "cmax"),
                ("Tmax", "tmax"),
                ("AUCinf", "auc_inf"),
                ("AUCtau", "auc_tau"),
                ("t1/2", "half_life"),
            )
            if getattr(o, key) is not None
        )
        pk_lines.append(
            f"[bold]Observed[/bold] {o.analyte} after {o.dose.text()} "
            f"({escape(o.regimen)}): {vals}{c.ref(o)}"
        )
    if pk_lines:
        parts.append(Panel(Text.from_markup("\n".join(pk_lines)), title="Pharmacokinetics"))

    if drug.interactions:
        it = Table(title="Interactions", show_lines=True)
        for col in ("with", "severity", "consequence", "what to do"):
            it.add_column(col, overflow="fold")
        for x in drug.interactions:
            who = x.object.drug or (
                f"class: {x.object.group}" if x.object.group else x.object.label
            )
            exp = ""
            if x.exposure and x.exposure.auc_ratio:
                exp = f" (AUC x{x.exposure.auc_ratio.text()})"
            it.add_row(
                who, x.severity, escape(x.consequence) + exp + c.ref(x), escape(x.recommendation)
            )
        parts.append(it)
    parts.append(c.table())
    return RichGroup(*parts)
