"""`myorelax db`, `patients`, `regimen` and `diary`: the diary on the local database.

The command line acts as the local administrator (it runs with the database owner's rights);
the service (issue 7) authenticates users and applies the same repository access rules.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from myorelax.cli.output import check_writable, console, emit_json, err_console, write_output
from myorelax.cli.plan_cmd import parse_date
from myorelax.diary.vocabulary import CSV_FIELDS, KINDS
from myorelax.errors import InputError, shown

if TYPE_CHECKING:
    from myorelax.store.repositories import DiaryStore, SavedEntries

# The analysis and report modules import statsmodels, ruptures and matplotlib (several seconds);
# they are imported by the commands that use them, so every other command starts quickly.

db_app = typer.Typer(
    help="The local database (SQLite by default; MYORELAX_DATABASE_URL).", no_args_is_help=True
)
patients_app = typer.Typer(help="Patients whose diaries are kept.", no_args_is_help=True)
regimen_app = typer.Typer(
    help="A patient's prescribed regimens (with history).", no_args_is_help=True
)
diary_app = typer.Typer(help="Diary entries: add, import, export, report.", no_args_is_help=True)

# Record ids are stored as 64-bit integers at most (SQLite INTEGER); a larger one is no record.
MAX_ID = 2**63 - 1
PatientId = Annotated[int, typer.Option("--patient", min=1, max=MAX_ID, help="Patient id.")]
# The longest a diary import may be: a diary of years is a few megabytes.
MAX_IMPORT_BYTES = 50_000_000
JsonOut = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _store() -> DiaryStore:
    from myorelax.store.db import Database
    from myorelax.store.repositories import DiaryStore

    return DiaryStore(Database.connect())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from myorelax.store.db import default_url, make_engine, upgrade_database

    url = default_url()
    upgrade_database(make_engine(url))
    err_console.print(f"database at {url.split('@')[-1]} is up to date")


@patients_app.command("add")
def patients_add(
    name: Annotated[str, typer.Argument(help="Display name.")],
    tz: Annotated[str, typer.Option("--tz", help="The patient's IANA time zone.")] = "UTC",
    json_out: JsonOut = False,
) -> None:
    """Add a patient."""
    from rich.markup import escape

    from myorelax.diary.records import SYSTEM

    record = _store().create_patient(SYSTEM, name, tz=_zone(tz))
    if json_out:
        emit_json(record)
    else:
        console.print(f"patient {record.id}: {escape(record.display_name)}")


def _zone(tz: str) -> str:
    """An IANA time zone name (as the REST API checks it), or one line naming --tz."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not tz.strip():
        raise InputError("must not be empty: give an IANA time zone such as Europe/Berlin",
                         field="--tz")  # fmt: skip
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(f"{shown(tz)} is not an IANA time zone such as Europe/Berlin",
                         field="--tz") from None  # fmt: skip
    return tz


def _at(text: str | None) -> str:
    """`--at` as ISO 8601 with an offset (left out: now); a number (which the entry model would
    take as a Unix time), a time without offset or an empty value is refused."""
    from myorelax.api.schemas import FIRST_DATE

    if text is None:
        return datetime.now(UTC).astimezone().isoformat()
    example = "ISO 8601 with an offset, e.g. 2026-11-02T08:00+01:00"
    if not text.strip():
        raise InputError(f"must not be empty: give {example}", field="--at")
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{shown(text)} is not {example}", field="--at") from None
    if when.tzinfo is None:
        raise InputError(f"needs a time zone: {shown(text)} has no offset; give {example}",
                         field="--at")  # fmt: skip
    if when.date() < FIRST_DATE:
        raise InputError(f"{when.date()} is before {FIRST_DATE}", field="--at")
    return when.isoformat()


@patients_app.command("list")
def patients_list(json_out: JsonOut = False) -> None:
    """List patients."""
    from rich.markup import escape

    from myorelax.diary.records import SYSTEM

    records = _store().patients(SYSTEM)
    if json_out:
        emit_json({"patients": list(records)})
        return
    for r in records:
        console.print(f"{r.id}\t{escape(r.display_name)}\t{r.timezone}")


@regimen_app.command("set")
def regimen_set(
    sig: Annotated[str, typer.Argument(help='The regimen, e.g. "baclofen 10 mg tid".')],
    patient: PatientId,
    start: Annotated[
        str | None, typer.Option("--start", help="From (YYYY-MM-DD); default today.")
    ] = None,
    json_out: JsonOut = False,
) -> None:
    """Start a regimen (a current one of the same drug ends the day before)."""
    from rich.markup import escape

    from myorelax.clinical.sig import parse_sig
    from myorelax.diary.records import SYSTEM

    period = _store().set_regimen(
        SYSTEM, patient, parse_sig(sig, field="SIG"), parse_date(start, "--start")
    )
    if json_out:
        emit_json(period)
    else:
        console.print(f"regimen {period.id}: {escape(period.sig)} from {period.start}")


def _above_max(store: DiaryStore, patient: int, entry: Any, confirmed: bool) -> list[str]:
    """The labelled maxima a dose goes above (with the day's earlier doses); an error naming
    --confirm-above-max unless it was given."""
    from myorelax.diary.records import SYSTEM
    from myorelax.knowledge.loader import load_knowledge

    found = store.doses_above_max(SYSTEM, patient, [entry], load_knowledge())
    problems = [p.message() for p in found]
    if problems and not confirmed:
        raise InputError(
            "; ".join(problems) + ": give --confirm-above-max to record it (it was taken; the "
            "care team is warned)",
            field="--confirm-above-max",
        )
    return problems


@diary_app.command("add")
def diary_add(
    patient: PatientId,
    kind: Annotated[str, typer.Option("--kind", help="One of: " + ", ".join(KINDS) + ".")],
    at: Annotated[
        str | None, typer.Option("--at", help="When, ISO 8601 with offset; default now.")
    ] = None,
    value: Annotated[
        float | None, typer.Option("--value", help="Score, hours or Penn frequency.")
    ] = None,
    drug: Annotated[str | None, typer.Option("--drug")] = None,
    dose_mg: Annotated[float | None, typer.Option("--dose-mg")] = None,
    status: Annotated[str | None, typer.Option("--status", help="planned, extra or prn.")] = None,
    severity: Annotated[int | None, typer.Option("--severity", help="1-3.")] = None,
    quality: Annotated[float | None, typer.Option("--quality", help="Sleep quality 0-10.")] = None,
    symptom: Annotated[str | None, typer.Option("--symptom")] = None,
    items: Annotated[
        str | None, typer.Option("--items", help="PSS-10 answers, e.g. 1,2,3,...")
    ] = None,
    text: Annotated[str | None, typer.Option("--text")] = None,
    confirm_above_max: Annotated[
        bool,
        typer.Option(
            "--confirm-above-max",
            help="Record a dose above a labelled maximum (it was taken; the care team is warned).",
        ),
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Add one diary entry. A dose above a labelled single or daily maximum is refused unless
    --confirm-above-max says it was taken (as the REST API and the web diary do)."""
    from myorelax.diary.entries import not_in_future, parse_entry
    from myorelax.diary.records import SYSTEM
    from myorelax.knowledge.terminology import resolve_drug

    if kind not in KINDS:
        raise InputError(f"{shown(kind)} is not one of {', '.join(KINDS)}", field="--kind")
    data: dict[str, Any] = {
        "at": _at(at),
        "kind": kind,
        "value": value,
        "drug": resolve_drug(drug, field="--drug").ingredient.id if drug else None,
        "dose_mg": dose_mg,
        "dose_status": status,
        "severity": severity,
        "quality": quality,
        "symptom": symptom,
        "items": _items(items, "--items"),
        "text": text,
    }
    try:
        entry = parse_entry({k: v for k, v in data.items() if v is not None})
    except InputError as exc:  # name the option the person typed
        raise InputError(exc.message, field=OPTION_OF.get(exc.field or "", exc.field)) from None
    not_in_future(entry, datetime.now(UTC), "--at")
    store = _store()
    warned = _above_max(store, patient, entry, confirm_above_max)
    result = store.save_entries(SYSTEM, patient, [entry])
    saved = result.entries[0]
    if json_out:
        # The entry as before, plus what it replaced (the REST answer's `replaced`).
        emit_json({**saved.model_dump(mode="json"),
                   "replaced": [old.model_dump(mode="json") for old, _ in result.replaced],
                   "unchanged": bool(result.unchanged), "above_max": warned})  # fmt: skip
        return
    from rich.markup import escape

    from myorelax.diary.entries import SIDE_EFFECTS, describe_entry, unlisted_symptom

    for problem in warned:
        err_console.print(f"warning: {escape(problem)} (recorded as confirmed)", soft_wrap=True)
    words = unlisted_symptom(saved)
    if words is not None:
        err_console.print(
            f"{escape(repr(words))} is not one of {', '.join(SIDE_EFFECTS)}: saved as other, "
            "in your words"
        )
    for old, new in result.replaced:
        console.print(
            f"entry {new.id} replaced: was {escape(describe_entry(old))}; now "
            f"{escape(describe_entry(new))} (one {_slot_words(new)}; the old value is in the "
            "audit log)",
            soft_wrap=True,
        )
    if result.unchanged:
        console.print(f"entry {saved.id} unchanged: {escape(describe_entry(saved))} was "
                      "already recorded")  # fmt: skip
    elif not result.replaced:
        console.print(f"entry {saved.id} saved: {escape(describe_entry(saved))}")


# The entry fields as the `diary add` options that set them (an error names what was typed).
OPTION_OF = {
    "at": "--at",
    "kind": "--kind",
    "value": "--value",
    "drug": "--drug",
    "dose_mg": "--dose-mg",
    "dose_status": "--status",
    "severity": "--severity",
    "quality": "--quality",
    "symptom": "--symptom",
    "items": "--items",
    "text": "--text",
}


def _slot_words(e: Any) -> str:
    """Why a save replaced an earlier entry, as the store's rule (`DiaryStore.save_entries`)."""
    from myorelax.diary.entries import SAME_SLOT_H

    if e.kind == "dose":
        return f"planned {e.drug} dose per slot: within {SAME_SLOT_H:g} h on the same day"
    if e.kind == "side_effect":
        return f"{e.symptom} entry per day"
    if e.kind == "note":
        return "copy of the same note per day"
    return f"{e.kind} value per day"


def _items(text: str | None, field: str) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.replace(" ", ",").split(",") if x]
    except ValueError:
        raise InputError(f"{text!r} is not a list of whole numbers", field=field) from None


@diary_app.command("import")
def diary_import(
    file: Annotated[
        Path,
        typer.Argument(help=f"CSV ({', '.join(CSV_FIELDS[1:])}) or a FHIR Bundle (.json)."),
    ],
    patient: PatientId,
    json_out: JsonOut = False,
) -> None:
    """Import entries from CSV: every row or none (one transaction)."""
    from myorelax.diary.records import SYSTEM

    text = _import_text(file)
    if file.suffix.lower() == ".json":
        from myorelax.fhir.diary import entries_from_bundle

        try:
            bundle = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg} at line {exc.lineno}", field="FILE") from None
        except RecursionError:
            raise InputError("not JSON that can be read: nested too deeply", field="FILE") from None
        if not isinstance(bundle, dict):
            raise InputError(f"holds a JSON {type(bundle).__name__}, not a FHIR Bundle (an "
                             "object)", field="FILE")  # fmt: skip
        _imported(_store().save_entries(SYSTEM, patient, entries_from_bundle(bundle)), json_out)
        return
    _imported(_store().save_entries(SYSTEM, patient, _csv_entries(text)), json_out)


def _import_text(file: Path) -> str:
    """An import file's text: UTF-8 (a byte-order mark allowed), without NUL characters, of a
    sane size; or one line naming FILE."""
    try:
        if file.stat().st_size > MAX_IMPORT_BYTES:
            raise InputError(f"{file} is larger than {MAX_IMPORT_BYTES // 1_000_000} MB",
                             field="FILE")  # fmt: skip
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}", field="FILE") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"line {line}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8",
                         field="FILE") from None  # fmt: skip
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise InputError(f"line {line}: holds a NUL character; a diary is text", field="FILE")
    return text


def _csv_entries(text: str) -> list[Any]:
    """Diary entries from CSV text, each error naming its line."""
    from myorelax.diary.entries import parse_entry

    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = {"at", "kind"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"the CSV needs columns {', '.join(sorted(missing))}", field="FILE")
        entries = []
        for n, row in enumerate(reader, start=2):
            data: dict[str, Any] = {
                k: v
                for k, v in row.items()
                if k in CSV_FIELDS and k != "id" and v not in (None, "")
            }
            if "items" in data:
                data["items"] = _items(data["items"], f"line {n}: items")
            entries.append(parse_entry(data, where=f"line {n}: "))
    except csv.Error as exc:
        raise InputError(f"line {reader.reader.line_num}: not CSV that can be read: {exc}",
                         field="FILE") from None  # fmt: skip
    return entries


def _imported(result: SavedEntries, json_out: bool) -> None:
    """What an import stored, and every earlier value it replaced (one line each)."""
    from rich.markup import escape

    from myorelax.diary.entries import describe_entry

    saved = result.entries
    replaced = [(old, new) for old, new in result.replaced]
    if json_out:
        emit_json({"imported": len(saved), "first_id": saved[0].id if saved else None,
                   "replaced": [{"was": old.model_dump(mode="json"),
                                 "now": new.model_dump(mode="json")} for old, new in replaced]})  # fmt: skip
        return
    console.print(f"imported {len(saved)} entries"
                  + (f", {len(replaced)} of them replacing an earlier value" if replaced else ""))  # fmt: skip
    for old, new in replaced:
        console.print(f"entry {new.id} replaced: was {escape(describe_entry(old))}; now "
                      f"{escape(describe_entry(new))} (one {_slot_words(new)})",
                      soft_wrap=True)  # fmt: skip


def _bounds(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """--from and --to as given (None: left out; an empty value is refused), --from not after
    --to (a --from after today's default --to as well)."""
    first = parse_date(start, "--from") if start is not None else None
    last = parse_date(end, "--to") if end is not None else None
    if first is not None and first > (last or date.today()):
        raise InputError("is after --to" if last else "is after today (the default --to)",
                         field="--from")  # fmt: skip
    return first, last


def _range(start: str | None, end: str | None) -> tuple[date, date]:
    first, last = _bounds(start, end)
    last = last or date.today()
    return first or last - timedelta(days=27), last


@diary_app.command("export")
def diary_export(
    patient: PatientId,
    start: Annotated[str | None, typer.Option("--from")] = None,
    end: Annotated[str | None, typer.Option("--to")] = None,
    out: Annotated[
        Path | None, typer.Option("--csv", help="Write CSV here (default stdout).")
    ] = None,
    fhir: Annotated[
        Path | None, typer.Option("--fhir", help="Also write a FHIR R4 Bundle (JSON) here.")
    ] = None,
) -> None:
    """Raw entries as CSV (and as FHIR Observations and MedicationStatements)."""
    from myorelax.diary.records import SYSTEM
    from myorelax.knowledge.loader import load_knowledge

    first, last = _bounds(start, end)
    check_writable(out, "--csv")
    check_writable(fhir, "--fhir")
    # Without --from/--to every entry is exported (a raw export is the whole diary).
    entries = tuple(
        e
        for e in _store().entries(SYSTEM, patient)
        if (first is None or e.at.date() >= first) and (last is None or e.at.date() <= last)
    )
    span = f"from {first or 'the first entry'} to {last or 'the last entry'}"
    if entries:
        days = sorted(e.at.date() for e in entries)
        n = len(entries)
        err_console.print(f"{n} entr{'y' if n == 1 else 'ies'} {span} (days {days[0]} to "
                          f"{days[-1]})")  # fmt: skip
    else:
        err_console.print(f"no diary entries {span}: the export holds the header only")
    if fhir is not None:
        from myorelax.fhir.diary import diary_bundle

        bundle = diary_bundle(list(entries), load_knowledge(), f"Patient/{patient}")
        write_output(fhir, json.dumps(bundle, indent=2), "--fhir")
    from myorelax.reports.diary_report import entries_csv

    data = entries_csv(entries)
    if out is None:
        print(data, end="")
    else:
        write_output(out, data, "--csv")


@diary_app.command("report")
def diary_report(
    patient: PatientId,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the clinician report here.")
    ] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the report as PDF here.")] = None,
    json_out: JsonOut = False,
) -> None:
    """The clinician summary for a date range: alerts, adherence, trends, statistics."""
    from rich.markup import escape
    from rich.table import Table

    from myorelax.diary.analysis import analyse_diary
    from myorelax.diary.records import SYSTEM
    from myorelax.knowledge.loader import load_knowledge
    from myorelax.reports.diary_report import diary_report_html

    first, last = _range(start, end)
    check_writable(html, "--html")
    check_writable(pdf, "--pdf")
    store = _store()
    record = store.patient(SYSTEM, patient)
    entries = store.entries_on_days(SYSTEM, patient, first, last)
    regimens = store.regimens(SYSTEM, patient)
    analysis = analyse_diary(entries, regimens, start=first, end=last, kb=load_knowledge())
    if html is not None or pdf is not None:
        page = diary_report_html(record, analysis, entries, regimens)
        if html is not None:
            write_output(html, page, "--html")
        if pdf is not None:
            from myorelax.reports.printable import html_to_pdf

            write_output(pdf, html_to_pdf(page), "--pdf")
    if json_out:
        emit_json(analysis)
        return
    console.print(
        f"[bold]{escape(record.display_name)}[/bold]: {first} to {last}, {len(entries)} entries"
    )
    for x in analysis.alerts:
        console.print(f"[red]{x.severity}[/red] {x.code}: {escape(x.summary)}")
    table = Table(title="Adherence")
    for col in ("drug", "planned", "taken", "missed", "extra", "rate"):
        table.add_column(col)
    for a in analysis.adherence:
        table.add_row(a.drug, str(a.expected), str(a.taken), str(a.missed), str(a.extra),
                      f"{100 * (a.rate or 0):.0f}%")  # fmt: skip
    console.print(table)
    for c in analysis.pain_stress:
        console.print(escape(c.statement))
    for e in analysis.dose_changes:
        console.print(escape(e.statement))
    for n in analysis.notes:
        console.print(f"note: {escape(n)}")
