"""A FHIR-like server process that pages, redirects and misbehaves, for the fetching tests.

`python tests/cds_hooks/misbehaving_fhir.py` listens on two free local ports and prints
`READY <home port> <other port>`. The first path segment of a request chooses the behaviour
(`/<mode>/Patient/p1`, `/<mode>/MedicationRequest?...`):

- `ok`        answers every query; MedicationRequest comes in two pages on this server
- `offsite`   like `ok`, but page 1's `next` link points at the other port (another origin)
- `relative`  page 1's `next` link is relative (`MedicationRequest?page=2`)
- `loop`      every page's `next` link points at itself (paging must stop)
- `redirect`  302 to the other port
- `unauth`    401;  `missing` 404;  `badjson` 200 with a body that is not JSON
- `notfhir`   200 with JSON that is not a FHIR resource;  `outcome` an OperationOutcome
- `drip`      sends a byte every 0.5 s, for ever
- `huge`      a body larger than the fetch limit

The other port records the Authorization header of every request it gets; `GET /seen` on the
home port returns them as JSON (a list).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-03-01"}


def med(rid: str, text: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active",
            "intent": "order", "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": text}}  # fmt: skip


def bundle(entries: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                           "entry": [{"resource": r} for r in entries]}  # fmt: skip
    if next_url:
        out["link"] = [{"relation": "next", "url": next_url}]
    return out


seen: list[str] = []
ports: dict[str, int] = {}


class Home(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_json(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/seen":
            self.send_json(seen)
            return
        mode, _, rest = self.path.lstrip("/").partition("/")
        home = f"http://127.0.0.1:{ports['home']}/{mode}"
        other = f"http://127.0.0.1:{ports['other']}/{mode}"
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", f"{other}/{rest}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode in ("unauth", "missing"):
            self.send_json({"resourceType": "OperationOutcome"}, 401 if mode == "unauth" else 404)
            return
        if mode == "badjson":
            self.send_json(b"<html>not json</html>")
            return
        if mode == "notfhir":
            self.send_json({"hello": "world"})
            return
        if mode == "outcome":
            self.send_json({"resourceType": "OperationOutcome", "issue": []})
            return
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            return
        if mode == "huge":
            filler = [med(f"m{i}", "x" * 1000) for i in range(9000)]
            self.send_json(bundle(filler, None))
            return
        if rest.startswith("Patient/"):
            self.send_json(PATIENT)
            return
        if rest.startswith("MedicationRequest"):
            if "page=2" in rest:
                self.send_json(bundle([med("m2", "diazepam 5 mg tablet")], None))
                return
            nxt = {
                "ok": f"{home}/MedicationRequest?patient=p1&page=2",
                "offsite": f"{other}/MedicationRequest?patient=p1&page=2",
                "relative": "MedicationRequest?patient=p1&page=2",
                "loop": f"{home}/MedicationRequest?patient=p1",
            }.get(mode)
            self.send_json(bundle([med("m1", "oxycodone 5 mg tablet")], nxt))
            return
        self.send_json(bundle([], None))

    def log_message(self, *args: Any) -> None:
        pass


class Other(Home):
    def do_GET(self) -> None:
        seen.append(self.headers.get("Authorization", ""))
        self.send_json(bundle([med("stolen", "should never be read")], None))


def main() -> None:
    home = ThreadingHTTPServer(("127.0.0.1", 0), Home)
    other = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    home.daemon_threads = other.daemon_threads = True
    ports["home"], ports["other"] = home.server_address[1], other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    print(f"READY {ports['home']} {ports['other']}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        home.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
