# mypy: disable-error-code="no-untyped-call,arg-type"
"""The clinician's diary summary: an HTML page with charts (matplotlib PNGs embedded, so the page
works offline), and CSV export of the raw entries."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from myorelax.diary.analysis import DiaryAnalysis
from myorelax.diary.entries import CSV_FIELDS, DiaryEntry
from myorelax.diary.records import PatientRecord, RegimenPeriod
from myorelax.reports.printable import template_env


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _trend_chart(a: DiaryAnalysis, regimens: Sequence[RegimenPeriod]) -> str:
    fig, ax = plt.subplots(figsize=(9, 3.6))
    colours = {"pain": "#c0392b", "stress": "#2c3e50", "spasm": "#8e44ad"}
    for name, colour in colours.items():
        raw = a.series[name]
        if not any(v is not None for v in raw):
            continue
        pts = [(d, v) for d, v in zip(a.days, raw, strict=True) if v is not None]
        ax.plot([d for d, _ in pts], [v for _, v in pts], "o", ms=2.5, color=colour, alpha=0.35)
        sm = [(d, v) for d, v in zip(a.days, a.smoothed[name], strict=True) if v is not None]
        label = f"{name} ({'Penn 0-4' if name == 'spasm' else '0-10'}), 7-day mean"
        ax.plot([d for d, _ in sm], [v for _, v in sm], "-", color=colour, lw=2, label=label)
    for r in regimens:
        if a.start < r.start <= a.end:
            ax.axvline(r.start, color="#555", ls="--", lw=1)
            ax.annotate(r.sig, (mdates.date2num(r.start), 10.2), fontsize=7, rotation=0, ha="left")
    ax.set_ylim(0, 10.8)
    ax.set_ylabel("score")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Pain, stress and spasms (dashed lines: dose changes)")
    return _png(fig)


def _adherence_chart(a: DiaryAnalysis) -> str | None:
    if not a.adherence:
        return None
    fig, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(a.adherence)))
    names = [x.drug for x in a.adherence]
    rates = [100 * (x.rate or 0) for x in a.adherence]
    ax.barh(names, rates, color="#27ae60")
    ax.set_xlim(0, 100)
    ax.set_xlabel("planned doses taken (%)")
    for i, x in enumerate(a.adherence):
        ax.text(min(rates[i], 85) + 1, i, f"{x.taken}/{x.expected}", va="center", fontsize=8)
    return _png(fig)


def _side_effect_chart(entries: Sequence[DiaryEntry]) -> str | None:
    se = [e for e in entries if e.kind == "side_effect"]
    if not se:
        return None
    fig, ax = plt.subplots(figsize=(9, 2.4))
    symptoms = sorted({e.symptom or "" for e in se})
    for e in se:
        ax.scatter(
            e.at, symptoms.index(e.symptom or ""), s=20 + 25 * (e.severity or 1), color="#d35400"
        )
    ax.set_yticks(range(len(symptoms)), symptoms)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_title("Side effects (size: severity)")
    return _png(fig)


def diary_report_html(
    patient: PatientRecord,
    analysis: DiaryAnalysis,
    entries: Sequence[DiaryEntry],
    regimens: Sequence[RegimenPeriod],
) -> str:
    return (
        template_env()
        .get_template("diary_report.html.j2")
        .render(
            patient=patient,
            a=analysis,
            regimens=regimens,
            entries=entries,
            trend_png=_trend_chart(analysis, regimens),
            adherence_png=_adherence_chart(analysis),
            side_png=_side_effect_chart(entries),
        )
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM(...)`)
    is written with a leading apostrophe (OWASP CSV injection); numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def entries_csv(entries: Sequence[DiaryEntry]) -> str:
    """The entries as CSV, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        row = e.model_dump(mode="json")
        row["items"] = " ".join(str(i) for i in e.items) if e.items else ""
        writer.writerow({k: _cell(row.get(k)) for k in CSV_FIELDS})
    return out.getvalue()
