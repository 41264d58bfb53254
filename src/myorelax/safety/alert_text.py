"""An alert's text said once, for every interface that shows alerts as heading, detail and
"what to do" (the CLI table, the web workspace's cards).

Alert summaries often end with the statement the detail then repeats ("Tizanidine +
ciprofloxacin: Tizanidine levels rise..." above "**Tizanidine** with **ciprofloxacin**:
Tizanidine levels rise..."), and some details end with the recommendation word for word. The
heading keeps the summary's lead-in when the detail or the recommendation carries the rest, and
the recommendation is said once, under "What to do". The JSON report keeps every field whole.
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
