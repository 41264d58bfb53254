"""Printable patient plans: an HTML page (print styles included) and a PDF made from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from myorelax.plans.model import Plan


@dataclass(frozen=True)
class Contacts:
    prescriber: str | None = None
    pharmacy: str | None = None
    emergency: str | None = None


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """The Jinja2 environment of the report templates (autoescaped)."""
    return Environment(
        loader=PackageLoader("myorelax.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def plan_html(
    plan: Plan, *, contacts: Contacts | None = None, patient_name: str | None = None
) -> str:
    """The plan as a self-contained HTML page for the patient."""
    return (
        template_env()
        .get_template("plan.html.j2")
        .render(
            plan=plan,
            contacts=contacts or Contacts(),
            patient_name=patient_name,
            one_day=timedelta(days=1),
        )
    )


def html_to_pdf(html: str) -> bytes:
    """A PDF of an HTML page (WeasyPrint). Only embedded `data:` resources are fetched: nothing
    from the network or the file system."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    assert pdf is not None
    return bytes(pdf)
