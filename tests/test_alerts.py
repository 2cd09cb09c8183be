"""Claim alerts: pure formatting, configuration, and delivery to real local HTTP and SMTP sinks."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from claims.alerts import (
    AlertChannel,
    AlertDeliveryError,
    DeliveryResult,
    SmtpTarget,
    WebhookTarget,
    deliver,
    email_message,
    send_pending,
    webhook_payload,
)
from core.claim import Alert

# Real records from data/ketamine/ketamine-records.xml; details as the nightly run words them.
ALERTS = (
    Alert(
        alert_id="a7c1e90b52d4",
        claim_id="treatment-resistant-depression",
        kind="new_rct",
        pmid="40601310",
        detail="New RCT (JAMA Psychiatry 2025): esketamine monotherapy in adults with "
        "treatment-resistant depression; finding positive.",
        created_at=datetime(2025, 7, 3, 2, 14, tzinfo=UTC),
    ),
    Alert(
        alert_id="3b09f4d8e611",
        claim_id="chronic-pain",
        kind="new_negative",
        pmid="12791116",
        detail="Double-blind RCT: IV ketamine had no morphine-sparing effect after "
        "appendicectomy in children, and more hallucinations.",
        created_at=datetime(2025, 7, 3, 2, 15, tzinfo=UTC),
    ),
    Alert(
        alert_id="f02d6b7a9c35",
        claim_id="suicidal-thoughts",
        kind="new_rct",
        pmid="37771084",
        detail="RCT subgroup (ASPIRE I, Asian cohort): esketamine nasal spray improved "
        "Montgomery–Åsberg scores by day 2 in MDD with active suicidal ideation.",
        created_at=datetime(2025, 7, 3, 2, 16, tzinfo=UTC),
    ),
    Alert(
        alert_id="9e4a1c2f7b80",
        claim_id="suicidal-thoughts",
        kind="status_change",
        pmid=None,
        detail="Support changed from supported to mixed.",
        created_at=datetime(2025, 7, 3, 2, 17, tzinfo=UTC),
    ),
)
IDS = ("3b09f4d8e611", "f02d6b7a9c35", "9e4a1c2f7b80", "a7c1e90b52d4")  # by claim, then time
SENDER = "evidence-bot@clinic.example"
RECIPIENTS = ("director@clinic.example", "content@clinic.example")


# -- local sinks -------------------------------------------------------------------------


@dataclass
class HttpSink:
    """A webhook receiver that records each POST and answers from a script, then 200."""

    url: str = ""
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    posts: list[tuple[dict[str, str], Any]] = field(default_factory=list)


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                sink.posts.append((dict(self.headers), json.loads(body)))
                status, headers = sink.script.pop(0) if sink.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/evidence-s3cr3t"
    yield sink
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class SmtpSink:
    """A minimal SMTP server: records envelopes and messages, scripted greetings and RCPT codes."""

    host: str = "127.0.0.1"
    port: int = 0
    greetings: list[str] = field(default_factory=list)  # e.g. "421 busy": refuse a connection
    rcpt_reply: str = "250 OK"
    connections: int = 0
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    lock = threading.Lock()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            with lock:
                sink.connections += 1
                greeting = sink.greetings.pop(0) if sink.greetings else "220 sink ready"
            self.reply(greeting)
            if not greeting.startswith("220"):
                return
            sender, rcpts = "", []
            while line := self.rfile.readline().decode().rstrip("\r\n"):
                verb = line[:4].upper()
                if verb == "EHLO":
                    self.reply("250-sink\r\n250 8BITMIME")
                elif verb == "MAIL":
                    sender, rcpts = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    if sink.rcpt_reply.startswith("250"):
                        rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.reply(sink.rcpt_reply)
                elif verb == "DATA":
                    self.reply("354 end with .")
                    self.read_data(sender, rcpts)
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:  # HELO, RSET, NOOP
                    self.reply("250 OK")

        def read_data(self, sender: str, rcpts: list[str]) -> None:
            lines = []
            while (line := self.rfile.readline()) != b".\r\n":
                lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
            with lock:
                sink.received.append((sender, rcpts, b"".join(lines)))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    sink.port = server.server_address[1]
    yield sink
    server.shutdown()
    server.server_close()
    thread.join()


def channel_for(
    webhook: HttpSink | None = None, smtp: SmtpSink | None = None, **kw: Any
) -> AlertChannel:
    return AlertChannel(
        webhook=WebhookTarget(webhook.url) if webhook else None,
        smtp=SmtpTarget(smtp.host, smtp.port, SENDER, RECIPIENTS) if smtp else None,
        dashboard_url="https://evidence.clinic.example/alerts",
        timeout=5.0,
        **kw,
    )


# -- pure formatting ---------------------------------------------------------------------


def test_webhook_payload_lists_each_alert_once_with_links() -> None:
    payload = webhook_payload(
        [*ALERTS, ALERTS[0]], site_name="Clinic evidence", dashboard_url="https://d.example/a"
    )
    assert payload["count"] == 4
    assert payload["site"] == "Clinic evidence"
    assert payload["dashboard_url"] == "https://d.example/a"
    assert payload["text"] == (
        "Clinic evidence: 4 evidence alerts on 3 claims "
        "(chronic-pain, suicidal-thoughts, treatment-resistant-depression)"
    )
    assert [a["alert_id"] for a in payload["alerts"]] == list(IDS)
    assert payload["alerts"][0] == {
        "alert_id": "3b09f4d8e611",
        "claim_id": "chronic-pain",
        "kind": "new_negative",
        "pmid": "12791116",
        "pubmed_url": "https://pubmed.ncbi.nlm.nih.gov/12791116/",
        "detail": ALERTS[1].detail,
        "created_at": "2025-07-03T02:15:00+00:00",
    }
    assert payload["alerts"][2]["pmid"] is None
    assert payload["alerts"][2]["pubmed_url"] is None
    json.dumps(payload)  # serialisable as is


def test_email_message_groups_by_claim() -> None:
    msg = email_message(ALERTS, SENDER, RECIPIENTS, dashboard_url="https://d.example/a")
    assert msg["Subject"] == (
        "[Ketamine evidence] 4 evidence alerts on 3 claims "
        "(chronic-pain, suicidal-thoughts, treatment-resistant-depression)"
    )
    assert msg["To"] == "director@clinic.example, content@clinic.example"
    body = msg.get_content()
    suicidal = body.index("Claim: suicidal-thoughts")
    assert body.index("Claim: chronic-pain") < suicidal < body.index("Claim: treatment-resistant")
    assert (
        "  - New randomised controlled trial (PMID 37771084): RCT subgroup (ASPIRE I, Asian "
        "cohort): esketamine nasal spray improved Montgomery–Åsberg scores by day 2 in MDD with "
        "active suicidal ideation.\n    https://pubmed.ncbi.nlm.nih.gov/37771084/\n"
        "    raised 2025-07-03T02:16+00:00, id f02d6b7a9c35\n"
        "  - Support status changed: Support changed from supported to mixed.\n"
        "    raised 2025-07-03T02:17+00:00, id 9e4a1c2f7b80\n"
    ) in body
    assert body.rstrip().endswith("Review and act on these alerts: https://d.example/a")


def test_subject_names_a_few_claims_then_counts_the_rest() -> None:
    many = [replace(ALERTS[0], alert_id=f"id{i}", claim_id=f"claim-{i}") for i in range(5)]
    one = email_message(ALERTS[:1], SENDER, RECIPIENTS)
    assert one["Subject"] == (
        "[Ketamine evidence] 1 evidence alert on 1 claim (treatment-resistant-depression)"
    )
    assert email_message(many, SENDER, RECIPIENTS)["Subject"].endswith(
        "(claim-0, claim-1, claim-2 +2 more)"
    )
    with pytest.raises(ValueError, match="at least one alert"):
        email_message([], SENDER, RECIPIENTS)


# -- configuration -----------------------------------------------------------------------

SMTP_ENV = {
    "EVIDENCE_ALERT_SMTP": "smtp.clinic.example:587",
    "EVIDENCE_ALERT_FROM": "Evidence bot <evidence-bot@clinic.example>",
    "EVIDENCE_ALERT_TO": "director@clinic.example, content@clinic.example,",
}


def test_config_nothing_set_means_no_channel() -> None:
    assert AlertChannel.from_env({}) is None
    assert AlertChannel.from_env({"EVIDENCE_ALERT_WEBHOOK": "  "}) is None


def test_config_both_targets() -> None:
    env = {
        **SMTP_ENV,
        "EVIDENCE_ALERT_WEBHOOK": "https://hooks.clinic.example/T0/secret-token",
        "EVIDENCE_ALERT_SMTP_USER": "bot",
        "EVIDENCE_ALERT_SMTP_PASSWORD": "pw",
        "EVIDENCE_ALERT_SMTP_STARTTLS": "1",
        "EVIDENCE_ALERT_DASHBOARD_URL": "https://evidence.clinic.example/alerts",
    }
    channel = AlertChannel.from_env(env)
    assert channel is not None
    assert channel.webhook == WebhookTarget("https://hooks.clinic.example/T0/secret-token")
    assert channel.webhook.origin == "https://hooks.clinic.example"
    assert channel.smtp == SmtpTarget(
        host="smtp.clinic.example",
        port=587,
        sender="Evidence bot <evidence-bot@clinic.example>",
        recipients=("director@clinic.example", "content@clinic.example"),
        user="bot",
        password="pw",
        starttls=True,
    )
    assert channel.dashboard_url == "https://evidence.clinic.example/alerts"
    assert "secret-token" not in repr(channel) and "pw" not in repr(channel.smtp)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"EVIDENCE_ALERT_WEBHOOK": "hooks.clinic.example/x"}, "EVIDENCE_ALERT_WEBHOOK"),
        ({"EVIDENCE_ALERT_WEBHOOK": "ftp://hooks.clinic.example/x"}, "EVIDENCE_ALERT_WEBHOOK"),
        ({"EVIDENCE_ALERT_WEBHOOK": "https://h.example:99999/x"}, "EVIDENCE_ALERT_WEBHOOK"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_SMTP": "smtp.clinic.example"}, "EVIDENCE_ALERT_SMTP"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_SMTP": "smtp.clinic.example:0"}, "EVIDENCE_ALERT_SMTP"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_SMTP": "smtp.clinic.example:smtp"}, "EVIDENCE_ALERT_SMTP"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_TO": " , "}, "EVIDENCE_ALERT_TO"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_TO": "director"}, "EVIDENCE_ALERT_TO"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_FROM": ""}, "EVIDENCE_ALERT_FROM"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_SMTP_STARTTLS": "maybe"}, "EVIDENCE_ALERT_SMTP_STARTTLS"),
        ({**SMTP_ENV, "EVIDENCE_ALERT_SMTP_USER": "bot"}, "EVIDENCE_ALERT_SMTP_PASSWORD"),
        (
            {**SMTP_ENV, "EVIDENCE_ALERT_SMTP_USER": "bot", "EVIDENCE_ALERT_SMTP_PASSWORD": "pw"},
            "EVIDENCE_ALERT_SMTP_STARTTLS",
        ),
        (
            {"EVIDENCE_ALERT_WEBHOOK": "https://h.example/", "EVIDENCE_ALERT_DASHBOARD_URL": "x"},
            "EVIDENCE_ALERT_DASHBOARD_URL",
        ),
    ],
)
def test_config_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        AlertChannel.from_env(env)


def test_channel_needs_a_target() -> None:
    with pytest.raises(ValueError, match="webhook, an SMTP relay, or both"):
        AlertChannel()


# -- webhook delivery --------------------------------------------------------------------


def test_webhook_posts_one_batch(http_sink: HttpSink) -> None:
    result = deliver(ALERTS, channel_for(http_sink))
    assert result == DeliveryResult(sent_ids=IDS, accepted={"webhook": IDS})
    [(headers, body)] = http_sink.posts
    assert headers["Content-Type"] == "application/json"
    assert len(headers["Idempotency-Key"]) == 32
    assert body == webhook_payload(ALERTS, dashboard_url="https://evidence.clinic.example/alerts")


def test_empty_batch_sends_nothing(http_sink: HttpSink, smtp_sink: SmtpSink) -> None:
    assert deliver([], channel_for(http_sink, smtp_sink)) == DeliveryResult()
    assert send_pending(ALERTS, None) == DeliveryResult()
    assert http_sink.posts == [] and smtp_sink.connections == 0


def test_webhook_retries_5xx_and_honours_retry_after(http_sink: HttpSink) -> None:
    http_sink.script = [(500, {}), (429, {"Retry-After": "7"})]
    waits: list[float] = []
    result = deliver(ALERTS, channel_for(http_sink, backoff_base=0.01), sleep=waits.append)
    assert result.sent_ids == IDS
    assert len(http_sink.posts) == 3
    assert http_sink.posts[0] == http_sink.posts[2]  # same body, same idempotency key
    assert waits[0] < 0.02 and waits[1] == 7


def test_webhook_that_always_fails_reports_nothing_sent(http_sink: HttpSink) -> None:
    http_sink.script = [(503, {})] * 3
    waits: list[float] = []
    with pytest.raises(AlertDeliveryError, match="gave up after 3 attempts") as caught:
        deliver(ALERTS, channel_for(http_sink), sleep=waits.append)
    assert caught.value.result.sent_ids == ()
    assert caught.value.result.unsent_ids == IDS
    assert "s3cr3t" not in str(caught.value)  # the URL's token stays out of logs
    assert len(http_sink.posts) == 3 and len(waits) == 2


def test_webhook_client_error_is_not_retried(http_sink: HttpSink) -> None:
    http_sink.script = [(404, {})]
    result = send_pending(ALERTS, channel_for(http_sink), sleep=lambda s: None)
    assert result.unsent_ids == IDS and "HTTP 404" in result.errors["webhook"]
    assert len(http_sink.posts) == 1


def test_webhook_connection_refused_is_retried_then_fails() -> None:
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = AlertChannel(webhook=WebhookTarget(f"http://127.0.0.1:{port}/hook"), timeout=2.0)
    waits: list[float] = []
    with pytest.raises(AlertDeliveryError, match="ConnectionError"):
        deliver(ALERTS, channel, sleep=waits.append)
    assert len(waits) == 2


# -- email delivery ----------------------------------------------------------------------


def received_message(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_email_sends_one_message(smtp_sink: SmtpSink) -> None:
    result = deliver(ALERTS, channel_for(smtp=smtp_sink))
    assert result == DeliveryResult(sent_ids=IDS, accepted={"email": IDS})
    [(sender, rcpts, raw)] = smtp_sink.received
    assert sender == SENDER and rcpts == list(RECIPIENTS)
    msg = received_message(raw)
    assert msg["Subject"].startswith("[Ketamine evidence] 4 evidence alerts on 3 claims")
    assert msg["To"] == "director@clinic.example, content@clinic.example"
    assert msg["Date"] and msg["Message-ID"]
    body = msg.get_content()
    assert "Claim: chronic-pain" in body.splitlines()
    assert "Montgomery–Åsberg scores" in body
    for pmid in ("40601310", "12791116", "37771084"):
        assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in body


def test_email_retries_a_busy_relay(smtp_sink: SmtpSink) -> None:
    smtp_sink.greetings = ["421 too busy, try later"]
    waits: list[float] = []
    result = deliver(ALERTS[:1], channel_for(smtp=smtp_sink), sleep=waits.append)
    assert result.sent_ids == ("a7c1e90b52d4",)
    assert smtp_sink.connections == 2 and len(smtp_sink.received) == 1 and len(waits) == 1


def test_email_refused_recipients_fail_at_once(smtp_sink: SmtpSink) -> None:
    smtp_sink.rcpt_reply = "550 no such mailbox"
    with pytest.raises(AlertDeliveryError, match="refused every recipient") as caught:
        deliver(ALERTS, channel_for(smtp=smtp_sink), sleep=lambda s: None)
    assert caught.value.result.unsent_ids == IDS
    assert smtp_sink.connections == 1 and smtp_sink.received == []


def test_both_targets_report_each(http_sink: HttpSink, smtp_sink: SmtpSink) -> None:
    http_sink.script = [(500, {})] * 3
    with pytest.raises(AlertDeliveryError) as caught:
        deliver(ALERTS, channel_for(http_sink, smtp_sink), sleep=lambda s: None)
    result = caught.value.result
    assert result.sent_ids == () and result.unsent_ids == IDS
    assert result.accepted == {"email": IDS} and set(result.errors) == {"webhook"}
    assert len(smtp_sink.received) == 1
    # The next run retries only the target that failed.
    retry = deliver(ALERTS, replace(channel_for(http_sink, smtp_sink), smtp=None))
    assert retry.sent_ids == IDS and len(smtp_sink.received) == 1
