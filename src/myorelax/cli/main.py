"""`myorelax` command line: the entry point, the error contract and the command groups.

Error contract: bad input prints one line on stderr and exits 2; an internal failure (including
an invalid knowledge base) prints one line and exits 1; `--json` puts machine output, and nothing
else, on stdout.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from myorelax.cli.check_cmd import check as check_command
from myorelax.cli.diary_cmd import db_app, diary_app, patients_app, regimen_app
from myorelax.cli.output import console, emit_json, err_console
from myorelax.cli.plan_cmd import pump as pump_command
from myorelax.cli.plan_cmd import taper as taper_command
from myorelax.cli.plan_cmd import titrate as titrate_command
from myorelax.cli.screen_cmd import screen as screen_command
from myorelax.cli.serve_cmd import serve as serve_command
from myorelax.cli.simulate_cmd import simulate as simulate_command
from myorelax.cli.terminology_cmd import release_sources, terminology_app
from myorelax.cli.users_cmd import users_app
from myorelax.errors import InputError, KnowledgeError, MyorelaxError, one_line

log = logging.getLogger(__name__)

app = typer.Typer(
    name="myorelax",
    help="Decision support for centrally acting skeletal muscle relaxants. "
    "Not medical advice: for professionals and informed patients.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
drugs_app = typer.Typer(
    help="The knowledge base: list drugs, show a monograph.", no_args_is_help=True
)
kb_app = typer.Typer(help="Knowledge-base maintenance.", no_args_is_help=True)
app.add_typer(drugs_app, name="drugs")
app.add_typer(kb_app, name="kb")
app.command("check")(check_command)
app.command("simulate")(simulate_command)
app.command("titrate")(titrate_command)
app.command("taper")(taper_command)
app.command("pump")(pump_command)
app.command("serve")(serve_command)
app.command("screen")(screen_command)
app.add_typer(db_app, name="db")
app.add_typer(patients_app, name="patients")
app.add_typer(regimen_app, name="regimen")
app.add_typer(diary_app, name="diary")
app.add_typer(terminology_app, name="terminology")
app.add_typer(users_app, name="users")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"myorelax {version('myorelax')}")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    knowledge: Annotated[
        Path | None,
        typer.Option(
            "--knowledge",
            help="A site's own reviewed knowledge folder (as MYORELAX_KNOWLEDGE_DIR), validated "
            "at load; every command then uses it.",
        ),
    ] = None,
) -> None:
    """Decision support for centrally acting skeletal muscle relaxants. Not medical advice: for
    professionals and informed patients."""
    if knowledge is not None:
        import os

        from myorelax.knowledge.loader import KNOWLEDGE_ENV

        if not (knowledge / "manifest.yaml").is_file():
            raise InputError(f"{knowledge} is not a knowledge folder (no manifest.yaml)",
                             field="--knowledge")  # fmt: skip
        # Through the environment, so that every layer and every process started from here
        # (the service, workers) reads the same folder.
        os.environ[KNOWLEDGE_ENV] = str(knowledge.resolve())


@drugs_app.command("list")
def drugs_list(json_out: JsonFlag = False) -> None:
    """Every drug in the knowledge base: name, class, schedule, routes, strengths."""
    from myorelax.cli.drugs_view import drug_table
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.reports.views import drug_list_view

    kb = load_knowledge()
    if json_out:
        emit_json(drug_list_view(kb))
        return
    console.print(drug_table(kb))


@drugs_app.command("show")
def drugs_show(
    name: Annotated[str, typer.Argument(help="Generic, brand, salt or misspelt name, or RxCUI.")],
    json_out: JsonFlag = False,
) -> None:
    """One monograph, with its citations (and its active metabolites)."""
    from myorelax.cli.drugs_view import drug_panel
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.knowledge.terminology import default_terminology
    from myorelax.reports.views import drug_show_view, monograph_of

    kb = load_knowledge()
    term = default_terminology()
    if json_out:
        emit_json(drug_show_view(kb, term, name, field="NAME"))
        return
    resolution = term.resolve(name, field="NAME")
    drug = monograph_of(kb, term, name, field="NAME")
    metabolites = [kb.drugs[m.drug] for m in drug.active_metabolites if m.drug in kb.drugs]
    if resolution.how not in ("id", "name"):
        console.print(f"[dim]{name!r} is {resolution.how} of {drug.name}[/dim]")
    console.print(drug_panel(kb, drug))
    for met in metabolites:
        console.print(f"\n[bold]Active metabolite of {drug.name}:[/bold]")
        console.print(drug_panel(kb, met))


@kb_app.command("validate")
def kb_validate(
    json_out: JsonFlag = False,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Validate this folder instead of the packaged knowledge."),
    ] = None,
) -> None:
    """Check every file of the knowledge base; list each problem as file: field: problem."""
    from myorelax.knowledge.loader import validate_knowledge

    if data is not None and not (data / "manifest.yaml").is_file():
        raise InputError(f"{data} holds no manifest.yaml", field="--data")
    kb, problems = validate_knowledge(data)
    if json_out:
        emit_json(
            {
                "valid": kb is not None,
                "version": kb.version if kb else None,
                "drugs": sorted(kb.drugs) if kb else [],
                "problems": [{"file": f, "field": p, "problem": m} for f, p, m in problems],
            }
        )
    elif kb is not None:
        console.print(
            f"knowledge base {kb.version} is valid: {len(kb.drugs)} drugs, {len(kb.groups)} "
            f"classes, {len(kb.sources)} sources, {len(kb.conditions)} conditions"
        )
    else:
        for f, p, m in problems:
            err_console.print(f"{f}: {p}: {m}", markup=False)
        err_console.print(f"{len(problems)} problem(s)", markup=False)
    if kb is None:
        raise typer.Exit(1)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and apply the error contract."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from myorelax.knowledge.release import use_release_loader

    use_release_loader(release_sources)
    try:
        # Without standalone mode, click returns the code of a `typer.Exit` instead of raising.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except KnowledgeError as exc:
        err_console.print(f"error: {one_line(str(exc))}", markup=False)
        sys.exit(1)
    except MyorelaxError as exc:
        # Every message that echoes input goes through here: one line, and short.
        err_console.print(f"error: {one_line(str(exc))}", markup=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("error: aborted", markup=False)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors from the (vendored) click layer
        fmt = getattr(exc, "format_message", None)
        err_console.print(f"error: {one_line(fmt() if fmt else str(exc))}", markup=False)
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    except Exception as exc:  # the contract: one line, never a traceback
        log.debug("internal failure", exc_info=True)
        err_console.print(
            f"error: internal failure: {one_line(f'{exc.__class__.__name__}: {exc}')}",
            markup=False,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
