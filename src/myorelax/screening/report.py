"""Screening output: Parquet/CSV/JSON files and a self-contained HTML report with charts.

The report embeds its charts as PNG data (matplotlib, loaded on demand) and has no external
assets, so it opens from a file share or an e-mail without network access.
"""

from __future__ import annotations

import base64
import io
import json
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from jinja2 import Environment, select_autoescape

from myorelax.screening.results import SEXES, Screening, band_labels

REPORT_ROWS_PER_PATTERN = 100


def result_json(screening: Screening) -> str:
    return json.dumps(screening.result.model_dump(mode="json"), indent=2, ensure_ascii=False)


def write_outputs(screening: Screening, folder: Path) -> list[Path]:
    """persons.parquet and persons.csv (the per-person list), summary.csv (people and
    exposure-days by pattern, age band and sex), patterns.csv and result.json."""
    folder.mkdir(parents=True, exist_ok=True)
    r = screening.result
    written = [
        folder / n
        for n in ("persons.parquet", "persons.csv", "summary.csv", "patterns.csv", "result.json")
    ]
    pq.write_table(screening.persons, written[0])
    pacsv.write_csv(screening.persons, written[1])
    summary = pa.Table.from_pylist(
        [row.model_dump() for row in r.by_age_sex],
        schema=pa.schema(
            [
                ("code", pa.string()),
                ("age_band", pa.string()),
                ("sex", pa.string()),
                ("persons", pa.int64()),
                ("exposure_days", pa.int64()),
            ]
        ),
    )
    pacsv.write_csv(summary, written[2])
    patterns = pa.table(
        {
            "code": [p.code for p in r.patterns],
            "name": [p.name for p in r.patterns],
            "persons": pa.array([p.persons for p in r.patterns], pa.int64()),
            "exposure_days": pa.array([p.exposure_days for p in r.patterns], pa.int64()),
        }
    )
    pacsv.write_csv(patterns, written[3])
    written[4].write_text(result_json(screening) + "\n")
    return written


def _png(fig: object) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def charts(screening: Screening) -> dict[str, str]:
    """The report's charts as data: URLs (people per pattern; by age band; by sex)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = screening.result
    codes = [p.code for p in r.patterns]
    out: dict[str, str] = {}
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(codes) + 1.2))
    ax.barh(codes[::-1], [p.persons for p in r.patterns][::-1], color="#3b6ea8")
    ax.set_xlabel("people")
    ax.set_title("People found per pattern")
    out["persons"] = _png(fig)
    plt.close(fig)

    def stacked(key: str, levels: tuple[str, ...], title: str) -> str:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(codes) + 1.6))
        left = [0] * len(codes)
        for level in levels:
            counts = [
                sum(x.persons for x in r.by_age_sex if x.code == c and getattr(x, key) == level)
                for c in codes
            ]
            if not any(counts):
                continue
            ax.barh(codes[::-1], counts[::-1], left=left[::-1], label=level)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.set_xlabel("people")
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize=8)
        png = _png(fig)
        plt.close(fig)
        return png

    out["age"] = stacked("age_band", (*band_labels(), "unknown"), "People by age band")
    out["sex"] = stacked("sex", SEXES, "People by sex")
    return out


def render_html(screening: Screening) -> str:
    """The HTML report: summary, charts, counts by age band and sex, and the first people of
    each pattern (the full list is in the exported files)."""
    env = Environment(
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
    )
    template = env.from_string(
        (resources.files("myorelax.screening") / "templates" / "report.html.j2").read_text()
    )
    persons = screening.persons
    first: dict[str, list[dict[str, object]]] = {}
    for p in screening.result.patterns:
        rows = persons.filter(pa.compute.equal(persons.column("code"), p.code))
        first[p.code] = rows.slice(0, REPORT_ROWS_PER_PATTERN).to_pylist()
    return template.render(
        r=screening.result, charts=charts(screening), first=first, limit=REPORT_ROWS_PER_PATTERN
    )


def write_html(screening: Screening, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(screening))
    return path
