"""`myorelax screen`: population screening of OMOP CDM tables for the safety rules' patterns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from myorelax.cli.output import (
    check_writable,
    console,
    emit_json,
    err_console,
    progress_console,
    writing,
)
from myorelax.errors import InputError, shown

ENGINES = ("duckdb", "spark")


def _check_path(path: str) -> None:
    """A file or folder PATH that the system cannot even look up (a name too long, a NUL in it)
    is one line naming PATH; one that does not exist is left to the screening to say."""
    import os

    if not path.strip():
        raise InputError("must not be empty: give a folder, a .duckdb file or a URL",
                         field="PATH")  # fmt: skip
    if "://" in path:
        return
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read {shown(path)}: {why}", field="PATH") from None


def screen(
    path: Annotated[
        str,
        typer.Argument(
            help="A folder of OMOP tables as Parquet or CSV (person, drug_exposure, "
            "measurement, condition_occurrence, concept, concept_ancestor), a .duckdb file, "
            "or a postgresql:// URL (?schema=NAME)."
        ),
    ],
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark.")] = "duckdb",
    pattern: Annotated[
        list[str] | None,
        typer.Option(
            "--pattern",
            help="Only this pattern (a rule code such as MRX-DDI-004); repeat for more.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write persons.parquet/.csv, summary.csv, patterns.csv and "
            "result.json into this folder.",
        ),
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    grace_days: Annotated[
        int,
        typer.Option(
            "--grace-days",
            help="Days allowed between refills, and after an exposure "
            "for overlaps (0-365; default 0).",
        ),
    ] = 0,
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master URL (default local[2]).")
    ] = "local[2]",
    json_out: Annotated[bool, typer.Option("--json", help="The result as JSON on stdout.")] = False,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="No progress bar on stderr.")
    ] = False,
) -> None:
    """Find people with risky patterns (holy trinity, opioid + relaxant, long carisoprodol,
    duplicate relaxants, Beers relaxants at 65+, baclofen with failing kidneys, tizanidine +
    CYP1A2 inhibitor, cyclobenzaprine + MAOI) in OMOP CDM v5.4 prescription data."""
    from pydantic import ValidationError
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from myorelax.screening.report import write_html, write_outputs
    from myorelax.screening.run import screen as run
    from myorelax.screening.sql import ScreeningOptions

    if engine not in ENGINES:
        raise InputError(f"{shown(engine)} is not duckdb or spark", field="--engine")
    _check_path(path)
    check_writable(html, "--html")  # before screening, not after it
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, not a folder", field="--out")
    try:
        options = ScreeningOptions(grace_days=grace_days)
    except ValidationError as exc:
        raise InputError(exc.errors()[0]["msg"], field="--grace-days") from None
    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=progress_console(),
        transient=True,
        disable=no_progress or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("screening", total=1)

        def progress(description: str, done: int, total: int) -> None:
            bar.update(task, description=description, completed=done, total=total)

        result = run(
            path,
            engine="spark" if engine == "spark" else "duckdb",
            patterns=pattern or (),
            options=options,
            progress=progress,
            spark_master=spark_master,
        )
    written = []
    if out is not None:
        with writing(out, "--out"):
            written = write_outputs(result, out)
    if html is not None:
        with writing(html, "--html"):
            written.append(write_html(result, html))
    if json_out:
        emit_json(result.result.model_dump(mode="json"))
        return
    r = result.result
    console.print(
        f"[bold]Screened[/bold] {escape(r.input)} with {r.engine}: {r.rows_scanned:,} "
        f"drug_exposure rows ({r.rows_matched:,} screened ingredients) in {r.elapsed_s:.2f} s"
    )
    console.print(
        f"drug_concept_id 0: {r.rows_concept_zero:,} rows, {r.rows_matched_by_source:,} matched "
        f"by drug_source_value; drug concepts missing from CONCEPT: {r.concepts_missing:,} "
        f"({r.rows_concept_missing:,} rows)"
    )
    table = Table(title="People found per pattern")
    for col, justify in (
        ("code", "left"),
        ("pattern", "left"),
        ("people", "right"),
        ("exposure-days", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for p in r.patterns:
        table.add_row(p.code, escape(p.summary), f"{p.persons:,}", f"{p.exposure_days:,}")
    console.print(table)
    for note in r.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]")
    for f in written:
        console.print(f"wrote {escape(str(f))}")
    console.print("[dim]Leads for review by a clinician or pharmacist, not medical advice.[/dim]")
