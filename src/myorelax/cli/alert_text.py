"""An alert's text for the terminal: its Markdown marks rendered (never a raw `**`) and each
statement said once.

Alert summaries often end with the statement the detail then repeats ("Tizanidine +
ciprofloxacin: Tizanidine levels rise..." above "**Tizanidine** with **ciprofloxacin**:
Tizanidine levels rise..."), and some details end with the recommendation word for word. The
table shows the summary's lead-in as the heading when the detail or the recommendation carries
the rest, and the recommendation once, under "What to do".
"""

from __future__ import annotations

import re

_STRONG = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_SPACE = re.compile(r"\s+")
# A trailing lead-in left once the recommendation is taken out ("For any impairment:").
_DANGLING = re.compile(r"(?:^|(?<=[.;]))\s*[^.;:]*:\s*$")


def plain(text: str) -> str:
    """Markdown marks dropped: `**a**` and `` `a` `` become `a`."""
    return _CODE.sub(r"\1", _STRONG.sub(r"\1", text))


def rich_markup(text: str) -> str:
    """Rich console markup for an alert text: escaped, `**a**` bold and `` `a` `` as code."""
    from rich.markup import escape

    safe = escape(text)
    safe = _STRONG.sub(r"[bold]\1[/bold]", safe)
    return _CODE.sub(r"[cyan]\1[/cyan]", safe)


def _norm(text: str) -> str:
    return _SPACE.sub(" ", plain(text)).strip().casefold()


def alert_parts(summary: str, detail: str, recommendation: str) -> tuple[str, str, str]:
    """(heading, detail, recommendation) with nothing said twice; the texts keep their
    Markdown (render them with `rich_markup` or `plain`)."""
    said = _norm(detail) + " " + _norm(recommendation)
    heading = summary
    head, sep, tail = summary.partition(": ")
    key = _norm(tail).rstrip("…").rstrip(".").strip()
    if sep and len(key) >= 12 and key in said:
        heading = head
    if _norm(detail).rstrip(".") in (_norm(heading).rstrip("."), _norm(summary).rstrip(".")):
        detail = ""
    rec = recommendation.strip()
    if rec and rec in detail:
        before, _, after = detail.partition(rec)
        before = _DANGLING.sub("", before).rstrip()
        detail = f"{before} {after.strip()}".strip()
    return heading, detail, recommendation
