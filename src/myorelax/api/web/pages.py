"""The start page. The full clinician workspace and patient diary come with the web UI issue;
until then `/` says what the service offers and where its documentation is."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>myorelax</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b}code{background:#f1f1f1;padding:0 .2em}a{color:#0b5cad}</style></head>
<body><h1>myorelax</h1>
<p>Decision support for centrally acting skeletal muscle relaxants: a cited knowledge base, a
safety check, a pharmacokinetic simulator, titration and taper plans, and a patient diary.
Not a prescriber: for professionals and informed patients.</p>
<ul>
<li><a href="/docs">API documentation</a> (OpenAPI: <a href="/openapi.json">/openapi.json</a>)</li>
<li><a href="/api/v1/drugs">Drugs in the knowledge base</a></li>
<li>CDS Hooks discovery: <a href="/cds-services">/cds-services</a></li>
</ul>
<p>Sign in with <code>POST /api/v1/auth/login</code>; the accounts created on first start are
printed in the server's console.</p>
</body></html>"""


@router.get("/", response_class=HTMLResponse)
def index() -> str:
    return PAGE
