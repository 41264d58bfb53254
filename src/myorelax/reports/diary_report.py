# mypy: disable-error-code="no-untyped-call,arg-type"
"""The clinician's diary summary: an HTML page with charts (matplotlib PNGs embedded, so the page
works offline), and CSV export of the raw entries."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
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


# (series, label, colour) per panel: each scale on its own axis
PANELS = (
    ("Pain and stress (0 none to 10 worst)", (0, 10.8),
     (("pain", "pain", "#c0392b"), ("stress", "stress", "#2c3e50"))),
    ("Spasm frequency (Penn 0-4)", (0, 4.4), (("spasm", "spasms", "#8e44ad"),)),
    ("Sleep (hours)", (0, 12.5), (("sleep", "sleep", "#2e7d32"),)),
)  # fmt: skip


def _trend_chart(a: DiaryAnalysis, regimens: Sequence[RegimenPeriod]) -> str:
    """One panel per scale (0-10 scores, Penn 0-4, sleep hours) over the report period, dots for
    the days and a line for the 7-day mean; dashed lines at dose changes."""
    fig = trend_figure(a, regimens)
    return _png(fig)


def trend_figure(a: DiaryAnalysis, regimens: Sequence[RegimenPeriod]) -> Figure:
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(9, 6.6), sharex=True)
    for ax, (title, ylim, series) in zip(axes, PANELS, strict=True):
        for name, label, colour in series:
            raw = a.series[name]
            pts = [(d, v) for d, v in zip(a.days, raw, strict=True) if v is not None]
            if not pts:
                continue
            ax.plot([d for d, _ in pts], [v for _, v in pts], "o", ms=2.5, color=colour,
                    alpha=0.35)  # fmt: skip
            sm = [(d, v) for d, v in zip(a.days, a.smoothed[name], strict=True) if v is not None]
            ax.plot([d for d, _ in sm], [v for _, v in sm], "-", color=colour, lw=2,
                    label=f"{label}, 7-day mean")  # fmt: skip
        values = [v for name, _, _ in series for v in a.series[name] if v is not None]
        ax.set_ylim(ylim[0], max([ylim[1], *(v + 0.5 for v in values)]))
        ax.set_title(title, fontsize=9, loc="left")
        for r in regimens:
            if a.start < r.start <= a.end:
                ax.axvline(r.start, color="#555", ls="--", lw=1)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right", fontsize=7)
    for r in regimens:
        if a.start < r.start <= a.end:
            axes[0].annotate(r.sig, (mdates.date2num(r.start), ylim_top(axes[0])), fontsize=7,
                             ha="left", va="top")  # fmt: skip
    axes[-1].set_xlim(datetime.combine(a.start, time.min),
                      datetime.combine(a.end + timedelta(days=1), time.min))  # fmt: skip
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    fig.suptitle("Daily ratings (dashed lines: dose changes)", fontsize=10)
    fig.tight_layout()
    return fig


def ylim_top(ax: Axes) -> float:
    return float(ax.get_ylim()[1])


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


def _side_effect_chart(entries: Sequence[DiaryEntry], a: DiaryAnalysis) -> str | None:
    fig = side_effect_figure(entries, a.start, a.end)
    return _png(fig) if fig is not None else None


def side_effect_figure(entries: Sequence[DiaryEntry], start: date, end: date) -> Figure | None:
    """Side effects over the report period (the axis spans start..end, whatever the dates of
    the entries); None without any."""
    se = [e for e in entries if e.kind == "side_effect" and start <= e.at.date() <= end]
    if not se:
        return None
    fig, ax = plt.subplots(figsize=(9, 2.4))
    symptoms = sorted({e.symptom or "" for e in se})
    for e in se:
        ax.scatter(
            e.at, symptoms.index(e.symptom or ""), s=20 + 25 * (e.severity or 1), color="#d35400"
        )
    ax.set_yticks(range(len(symptoms)), symptoms)
    ax.set_xlim(
        datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    )
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_title(f"Side effects {start:%d %b} to {end:%d %b %Y} (size: severity)")
    return fig


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
            side_png=_side_effect_chart(entries, analysis),
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
