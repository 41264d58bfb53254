"""An alert's text for the terminal: its Markdown marks rendered (never a raw `**`); what is
said once is decided by `myorelax.safety.alert_text`."""

from __future__ import annotations

import re

from myorelax.safety.alert_text import alert_parts, plain

__all__ = ["alert_parts", "plain", "rich_markup"]

_STRONG = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def rich_markup(text: str) -> str:
    """Rich console markup for an alert text: escaped, `**a**` bold and `` `a` `` as code."""
    from rich.markup import escape

    safe = escape(text)
    safe = _STRONG.sub(r"[bold]\1[/bold]", safe)
    return _CODE.sub(r"[cyan]\1[/cyan]", safe)
