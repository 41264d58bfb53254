"""`myorelax terminology`: load an RxNorm release into the local index, and say which is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from myorelax.cli.output import console, emit_json, progress_console

terminology_app = typer.Typer(
    help="Drug terminology: load an RxNorm release so that every US product resolves.",
    no_args_is_help=True,
)


def release_sources() -> tuple[object, ...]:
    """The loaded release, found on first need (imports the database layer only then)."""
    from myorelax.store.rxnorm import release_sources as sources

    return sources()


@terminology_app.command("load-rxnorm")
def load_rxnorm(
    path: Annotated[
        Path,
        typer.Argument(
            help="An RxNorm release: its rrf/ folder, the folder above it, or the zip file "
            "(monthly full release or the prescribable content)."
        ),
    ],
    json_out: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON on stdout.")
    ] = False,
) -> None:
    """Read RXNCONSO, RXNREL and RXNSAT (every line checked) into the local index, replacing the
    release loaded before only once the whole release has been read."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from myorelax.store.db import make_engine, upgrade_database
    from myorelax.store.rxnorm import read_release, store_release

    with Progress(
        TextColumn("reading RxNorm"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=progress_console(),
        transient=True,
        disable=json_out or not progress_console().is_terminal,
    ) as bar:
        task = bar.add_task("read", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        release = read_release(path, progress)
    engine = make_engine()
    upgrade_database(engine)
    row = store_release(engine, release)
    summary = {
        "source": row.source,
        "loaded_at": row.loaded_at.isoformat(),
        "names": row.names,
        "brands": row.brands,
        "ndcs": row.ndcs,
    }
    if json_out:
        emit_json(summary)
    else:
        console.print(
            f"RxNorm release loaded from {row.source}: {row.names} names, {row.brands} brand "
            f"names with their ingredients, {row.ndcs} NDCs"
        )


@terminology_app.command("status")
def status(
    json_out: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON on stdout.")
    ] = False,
) -> None:
    """Which RxNorm release is loaded (the shipped product index is always there)."""
    from myorelax.knowledge.loader import load_products
    from myorelax.store.db import make_engine
    from myorelax.store.rxnorm import loaded_release

    row = loaded_release(make_engine())
    shipped = len(load_products())
    data = {
        "shipped_index_names": shipped,
        "release": None
        if row is None
        else {"source": row.source, "loaded_at": row.loaded_at.isoformat(), "names": row.names},
    }
    if json_out:
        emit_json(data)
    elif row is None:
        console.print(f"shipped product index: {shipped} names; no RxNorm release loaded")
    else:
        console.print(
            f"shipped product index: {shipped} names; RxNorm release from {row.source} "
            f"({row.names} names, loaded {row.loaded_at:%Y-%m-%d %H:%M} UTC)"
        )
