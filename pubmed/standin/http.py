"""The stand-in's HTTP side: a threaded server on 127.0.0.1 and its request handler."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pubmed.standin.answers import fetch_error, search_error
from pubmed.standin.faults import Fault, LoggedRequest

if TYPE_CHECKING:
    from pubmed.standin.server import EutilsStandIn


@dataclass(frozen=True)
class StandInReply:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    standin: EutilsStandIn
    accepted: dict[object, float]

    def process_request(self, request: Any, client_address: Any) -> None:
        """Stamp arrival at accept time, before a handler thread is even started."""
        self.accepted[request] = self.standin.clock()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.accepted.pop(request, None)  # a request that never reached a handler method
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out or reset are part of the tests; stay quiet about them."""


class StandInHandler(BaseHTTPRequestHandler):
    server: StandInServer
    server_version = "EutilsStandIn/1.0"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """The request log is ``standin.requests``; nothing goes to stderr."""

    def _params(self) -> dict[str, str]:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        if self.command == "POST" and length:
            params.update(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        return params

    def _serve(self) -> None:
        standin = self.server.standin
        now = self.server.accepted.pop(self.request, None)
        now = standin.clock() if now is None else now
        params = self._params()
        endpoint = urlsplit(self.path).path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        key = params.get("api_key") or None
        client = key or self.client_address[0]
        refusal, fault = self._gate(standin, endpoint, key, client, now)
        missing = [p for p in ("tool", "email") if not params.get(p)]
        entry = LoggedRequest(
            method=self.command,
            path=self.path,
            endpoint=endpoint,
            params=params,
            timestamp=now,
            status=-1,
            bytes=0,
            api_key=key,
            client=client,
            fault=fault.kind if fault else None,
            violations=tuple(f"{endpoint} request without {p}" for p in missing),
        )
        slot = standin._record(entry)  # on arrival, so even a slow answer is in the log
        reply = refusal or self._answer(standin, endpoint, params, fault)
        reset = fault is not None and fault.kind == "reset"
        status, size = (0, 0) if reset else (reply.status, len(reply.body))
        standin._record(replace(entry, status=status, bytes=size), slot)  # before answering
        if reset:
            self._reset()
        else:
            self._send(reply)

    def _gate(
        self, standin: EutilsStandIn, endpoint: str, key: str | None, client: str, now: float
    ) -> tuple[StandInReply | None, Fault | None]:
        """NCBI's order: the key is checked, then the rate limit, then any scripted fault."""
        if key is not None and standin.api_keys is not None and key not in standin.api_keys:
            error = {"error": "API key invalid", "api-key": key, "type": "invalid"}
            return StandInReply(400, "application/json", json.dumps(error).encode()), None
        limit = 10 if key else 3
        count, fault = standin._admit(endpoint, client, limit, now)
        if count or (fault and fault.kind == "429"):
            seconds = fault.seconds if fault and fault.seconds else standin.retry_after
            error = {"error": "API rate limit exceeded", "api-key": client}
            error |= {"count": str(count or limit + 1), "limit": str(limit)}
            body = json.dumps(error, separators=(",", ":")).encode()
            return StandInReply(
                429, "application/json", body, {"Retry-After": f"{seconds:g}"}
            ), fault
        return None, fault

    def _answer(
        self, standin: EutilsStandIn, endpoint: str, params: Mapping[str, str], fault: Fault | None
    ) -> StandInReply:
        kind = fault.kind if fault else ""
        if kind in ("500", "502", "503"):
            return StandInReply(int(kind), "text/html", b"<html><body>Server Error</body></html>")
        if kind == "error" and endpoint == "esearch":
            return StandInReply(*search_error(200, "Search Backend failed: scripted fault", False))
        if kind == "error":
            return StandInReply(*fetch_error(200, "Unable to fetch records: scripted fault"))
        if fault and kind == "slow":
            standin._stopping.wait(fault.seconds)
        status, ctype, body = standin.answer(endpoint, params)
        if kind == "truncate":
            body = body[: len(body) // 2]
        return StandInReply(status, ctype, body)

    def _send(self, reply: StandInReply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (a timeout test); nothing to send to
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP RST, as a failing proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
