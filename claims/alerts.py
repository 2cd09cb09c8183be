"""Claim alerts sent to the medical director through a webhook, email, or both.

Formatting is pure (``webhook_payload``, ``email_message``); ``deliver`` is the I/O edge. One
batch makes one POST and one email, never one per alert. Transient failures (connection
errors, timeouts, HTTP 5xx and 429, SMTP 4xx) are retried with backoff; the rest fail at once.
Each target takes the whole batch or none of it, and the result names exactly which alert ids
went out, so the nightly flow can keep the rest and offer them again on the next run.
"""

from __future__ import annotations

import hashlib
import os
import random
import smtplib
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from core.claim import Alert

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DEFAULT_SITE_NAME = "Ketamine evidence"
CONNECT_TIMEOUT = 5.0
MAX_WAIT = 60.0  # longest pause between attempts, Retry-After included
SUBJECT_CLAIMS = 3  # claims named in an email subject before "+N more"
KIND_LABELS = {
    "new_meta_analysis": "New meta-analysis",
    "new_rct": "New randomised controlled trial",
    "new_negative": "New study pointing against the claim",
    "new_mixed": "New study with a mixed finding",
    "retraction": "Cited study retracted",
    "concern": "Expression of concern on a cited study",
    "erratum": "Erratum on a cited study",
    "update": "Update on a cited study",
    "status_change": "Support status changed",
}


@dataclass(frozen=True)
class WebhookTarget:
    """POST the batch as JSON to ``url``."""

    url: str = field(repr=False)  # webhook URLs often carry a secret token in their path

    @property
    def origin(self) -> str:
        """Scheme, host and port only: safe to show in logs and errors."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@dataclass(frozen=True)
class SmtpTarget:
    """Send the batch as one email through an SMTP relay."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False


@dataclass(frozen=True)
class AlertChannel:
    """Where alerts go, and how hard to try; at least one target."""

    webhook: WebhookTarget | None = None
    smtp: SmtpTarget | None = None
    site_name: str = DEFAULT_SITE_NAME
    dashboard_url: str | None = None
    timeout: float = 20.0
    max_retries: int = 2  # retries after the first attempt, per target
    backoff_base: float = 2.0  # seconds before the first retry; doubles after each

    def __post_init__(self) -> None:
        if self.webhook is None and self.smtp is None:
            raise ValueError("an alert channel needs a webhook, an SMTP relay, or both")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlertChannel | None:
        """Read the channel once at start-up; None when no target is configured.

        Bad values raise ValueError naming the variable, so a typo stops the run at once
        instead of silently dropping alerts after a night's work.
        """
        env = os.environ if environ is None else environ
        webhook_url = env.get("EVIDENCE_ALERT_WEBHOOK", "").strip()
        smtp_address = env.get("EVIDENCE_ALERT_SMTP", "").strip()
        dashboard = env.get("EVIDENCE_ALERT_DASHBOARD_URL", "").strip() or None
        if dashboard:
            _check_url("EVIDENCE_ALERT_DASHBOARD_URL", dashboard)
        if not webhook_url and not smtp_address:
            return None
        webhook = WebhookTarget(_check_url("EVIDENCE_ALERT_WEBHOOK", webhook_url))
        return cls(
            webhook=webhook if webhook_url else None,
            smtp=_smtp_from_env(env, smtp_address) if smtp_address else None,
            dashboard_url=dashboard,
        )


@dataclass(frozen=True)
class DeliveryResult:
    """What one ``deliver`` call achieved.

    ``sent_ids`` reached every configured target; ``unsent_ids`` must be offered again.
    ``accepted`` and ``errors`` are per target ("webhook", "email"): when one target took the
    batch and the other did not, a retry through both repeats it at the first, unless the
    caller retries with that target removed (``dataclasses.replace(channel, webhook=None)``).
    """

    sent_ids: tuple[str, ...] = ()
    unsent_ids: tuple[str, ...] = ()
    accepted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    refused_recipients: tuple[str, ...] = ()  # the relay took the email but not for these


class AlertDeliveryError(Exception):
    """A target still failed after its retries; ``result`` says what did go out."""

    def __init__(self, result: DeliveryResult) -> None:
        reasons = "; ".join(f"{name}: {why}" for name, why in result.errors.items())
        super().__init__(f"{len(result.unsent_ids)} alert(s) not delivered: {reasons}")
        self.result = result


# -- pure formatting ---------------------------------------------------------------------


def pubmed_link(pmid: str | None) -> str | None:
    """The PubMed page of a study, or None for alerts about no single study."""
    return PUBMED_URL.format(pmid=pmid) if pmid else None


def webhook_payload(
    alerts: Sequence[Alert], *, site_name: str = DEFAULT_SITE_NAME, dashboard_url: str | None = None
) -> dict[str, Any]:
    """The JSON body of one webhook POST; ``text`` lets chat webhooks show it as is."""
    ordered = _ordered(alerts)
    return {
        "site": site_name,
        "text": _summary(ordered, site_name),
        "count": len(ordered),
        "dashboard_url": dashboard_url,
        "alerts": [
            {
                "alert_id": a.alert_id,
                "claim_id": a.claim_id,
                "kind": a.kind,
                "pmid": a.pmid,
                "pubmed_url": pubmed_link(a.pmid),
                "detail": a.detail,
                "created_at": a.created_at.isoformat(),
            }
            for a in ordered
        ],
    }


def email_message(
    alerts: Sequence[Alert],
    sender: str,
    recipients: Sequence[str],
    *,
    site_name: str = DEFAULT_SITE_NAME,
    dashboard_url: str | None = None,
) -> EmailMessage:
    """One plain-text email for the batch, grouped by claim (Date and Message-ID added on send)."""
    ordered = _ordered(alerts)
    if not ordered:
        raise ValueError("an alert email needs at least one alert")
    by_claim: dict[str, list[Alert]] = defaultdict(list)
    for alert in ordered:
        by_claim[alert.claim_id].append(alert)
    lines = [_summary(ordered, site_name) + ".", ""]
    for claim_id, claim_alerts in by_claim.items():
        lines.append(f"Claim: {claim_id}")
        for alert in claim_alerts:
            lines.extend(_email_entry(alert))
        lines.append("")
    if dashboard_url:
        lines.append(f"Review and act on these alerts: {dashboard_url}")
    msg = EmailMessage()
    msg["Subject"] = f"[{site_name}] {_summary(ordered, site_name=None)}"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg.set_content("\n".join(lines).rstrip() + "\n")
    return msg


def _ordered(alerts: Sequence[Alert]) -> list[Alert]:
    """Each alert once (its id is stable per event), by claim, then oldest first."""
    unique = {a.alert_id: a for a in alerts}
    return sorted(unique.values(), key=lambda a: (a.claim_id, a.created_at, a.alert_id))


def _summary(alerts: Sequence[Alert], site_name: str | None) -> str:
    claims = list(dict.fromkeys(a.claim_id for a in alerts))
    named = ", ".join(claims[:SUBJECT_CLAIMS])
    if len(claims) > SUBJECT_CLAIMS:
        named += f" +{len(claims) - SUBJECT_CLAIMS} more"
    noun = "alert" if len(alerts) == 1 else "alerts"
    where = "claim" if len(claims) == 1 else "claims"
    prefix = f"{site_name}: " if site_name else ""
    return f"{prefix}{len(alerts)} evidence {noun} on {len(claims)} {where} ({named})"


def _email_entry(alert: Alert) -> list[str]:
    label = KIND_LABELS.get(alert.kind, alert.kind)
    study = f" (PMID {alert.pmid})" if alert.pmid else ""
    entry = [f"  - {label}{study}: {alert.detail}"]
    if alert.pmid:
        entry.append(f"    {pubmed_link(alert.pmid)}")
    raised = alert.created_at.isoformat(timespec="minutes")
    entry.append(f"    raised {raised}, id {alert.alert_id}")
    return entry


# -- delivery (I/O) ----------------------------------------------------------------------


class _Transient(Exception):
    """This attempt failed in a way worth another try, after at least ``wait`` seconds."""

    def __init__(self, reason: str, wait: float = 0.0) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


class _Permanent(Exception):
    """Trying again would fail the same way."""


def deliver(
    alerts: Sequence[Alert], channel: AlertChannel, *, sleep: Callable[[float], object] = time.sleep
) -> DeliveryResult:
    """Send the batch once to each target; raise AlertDeliveryError if any target failed."""
    ordered = _ordered(alerts)
    if not ordered:
        return DeliveryResult()
    ids = tuple(a.alert_id for a in ordered)
    errors: dict[str, str] = {}
    refused: tuple[str, ...] = ()
    if (webhook := channel.webhook) is not None:
        payload = webhook_payload(
            ordered, site_name=channel.site_name, dashboard_url=channel.dashboard_url
        )
        if error := _retrying(lambda: _post(webhook, payload, ids, channel), channel, sleep):
            errors["webhook"] = error
    if (smtp := channel.smtp) is not None:
        msg = email_message(
            ordered,
            smtp.sender,
            smtp.recipients,
            site_name=channel.site_name,
            dashboard_url=channel.dashboard_url,
        )
        outcome: list[tuple[str, ...]] = []
        if error := _retrying(lambda: outcome.append(_mail(smtp, msg, channel)), channel, sleep):
            errors["email"] = error
        refused = outcome[-1] if outcome else ()
    targets = [name for name, t in (("webhook", webhook), ("email", smtp)) if t is not None]
    result = DeliveryResult(
        sent_ids=() if errors else ids,
        unsent_ids=ids if errors else (),
        accepted={name: ids for name in targets if name not in errors},
        errors=errors,
        refused_recipients=refused,
    )
    if errors:
        raise AlertDeliveryError(result)
    return result


def send_pending(
    alerts: Sequence[Alert],
    channel: AlertChannel | None,
    *,
    sleep: Callable[[float], object] = time.sleep,
) -> DeliveryResult:
    """Deliver without raising, for a flow that stores ``unsent_ids`` for the next run.

    With no channel configured nothing is sent and nothing is pending: alerts then live on
    the dashboard only.
    """
    if channel is None or not alerts:
        return DeliveryResult()
    try:
        return deliver(alerts, channel, sleep=sleep)
    except AlertDeliveryError as exc:
        return exc.result


def _retrying(
    attempt: Callable[[], object], channel: AlertChannel, sleep: Callable[[float], object]
) -> str | None:
    """Run ``attempt`` with bounded retries; None on success, else the last reason."""
    for n in range(channel.max_retries + 1):
        try:
            attempt()
            return None
        except _Permanent as exc:
            return str(exc)
        except _Transient as exc:
            if n == channel.max_retries:
                return f"gave up after {n + 1} attempts; last: {exc.reason}"
            ceiling = min(MAX_WAIT, channel.backoff_base * 2**n)
            sleep(max(exc.wait, ceiling / 2 + random.uniform(0, ceiling / 2)))
    raise AssertionError("unreachable")


def _post(
    target: WebhookTarget, payload: dict[str, Any], ids: tuple[str, ...], ch: AlertChannel
) -> None:
    # Same batch, same key: a receiver can drop a repeat after a timeout we could not read.
    key = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]
    headers = {"Idempotency-Key": key, "User-Agent": "ketamine-evidence-alerts"}
    try:
        resp = requests.post(
            target.url,
            json=payload,
            headers=headers,
            timeout=(min(CONNECT_TIMEOUT, ch.timeout), ch.timeout),
            allow_redirects=False,  # a redirected POST may turn into a GET and lose the body
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Transient(f"{target.origin}: {type(exc).__name__}") from exc
    status = f"{target.origin} answered HTTP {resp.status_code}"
    if resp.status_code == 429:
        raise _Transient(status, wait=_retry_after(resp.headers.get("Retry-After", "")))
    if resp.status_code >= 500:
        raise _Transient(status, wait=_retry_after(resp.headers.get("Retry-After", "")))
    if not 200 <= resp.status_code < 300:
        raise _Permanent(f"{status}: {resp.text[:200]}")


def _mail(target: SmtpTarget, msg: EmailMessage, ch: AlertChannel) -> tuple[str, ...]:
    """Send ``msg``; return the recipients the relay refused while accepting the rest."""
    del msg["Date"], msg["Message-ID"]  # fresh per attempt, never duplicated
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=target.sender.rpartition("@")[2] or None)
    try:
        with smtplib.SMTP(target.host, target.port, timeout=ch.timeout) as smtp:
            if target.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if target.user:
                smtp.login(target.user, target.password or "")
            refused = smtp.send_message(msg, target.sender, list(target.recipients))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        error = _Transient if all(400 <= c < 500 for c in codes) else _Permanent
        raise error(f"relay refused every recipient: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        reason = f"{target.host}:{target.port} answered {exc.smtp_code} {exc.smtp_error!r}"
        raise (_Transient if 400 <= exc.smtp_code < 500 else _Permanent)(reason) from exc
    except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as exc:
        raise _Permanent(f"{target.host}:{target.port}: {exc}") from exc
    except OSError as exc:  # refused, reset, timed out, disconnected
        raise _Transient(f"{target.host}:{target.port}: {type(exc).__name__}: {exc}") from exc
    return tuple(sorted(refused))


def _retry_after(value: str) -> float:
    """Seconds a Retry-After header asks for (delta or HTTP date), capped at MAX_WAIT."""
    value = value.strip()
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return 0.0
    return min(MAX_WAIT, max(0.0, seconds))


# -- configuration -----------------------------------------------------------------------


def _check_url(variable: str, url: str) -> str:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"{variable} must be an http(s) URL with a host, got {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"{variable} has a bad port: {exc}") from exc
    return url


def _smtp_from_env(environ: Mapping[str, str], address: str) -> SmtpTarget:
    host, port = _host_port("EVIDENCE_ALERT_SMTP", address)
    sender = environ.get("EVIDENCE_ALERT_FROM", "").strip()
    if not sender:
        raise ValueError("EVIDENCE_ALERT_SMTP is set but EVIDENCE_ALERT_FROM is missing")
    _check_address("EVIDENCE_ALERT_FROM", sender)
    recipients = tuple(r.strip() for r in environ.get("EVIDENCE_ALERT_TO", "").split(","))
    recipients = tuple(r for r in recipients if r)
    if not recipients:
        raise ValueError("EVIDENCE_ALERT_SMTP is set but EVIDENCE_ALERT_TO lists no recipient")
    for recipient in recipients:
        _check_address("EVIDENCE_ALERT_TO", recipient)
    user = environ.get("EVIDENCE_ALERT_SMTP_USER", "").strip() or None
    password = environ.get("EVIDENCE_ALERT_SMTP_PASSWORD") or None
    starttls = _flag("EVIDENCE_ALERT_SMTP_STARTTLS", environ.get("EVIDENCE_ALERT_SMTP_STARTTLS"))
    if bool(user) != bool(password):
        raise ValueError(
            "EVIDENCE_ALERT_SMTP_USER and EVIDENCE_ALERT_SMTP_PASSWORD go together; one is missing"
        )
    if user and not starttls:
        raise ValueError(
            "EVIDENCE_ALERT_SMTP_USER needs EVIDENCE_ALERT_SMTP_STARTTLS=1, "
            "so the password does not cross the network in clear"
        )
    return SmtpTarget(host, port, sender, recipients, user, password, starttls)


def _host_port(variable: str, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    host = host.strip("[]")  # [::1]:25
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{variable} must be host:port with a port from 1 to 65535, got {value!r}")
    return host, int(port)


def _check_address(variable: str, value: str) -> None:
    _, address = parseaddr(value)
    if "@" not in address or any(c in value for c in "\r\n"):
        raise ValueError(f"{variable} holds {value!r}, which is not an email address")


def _flag(variable: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{variable} must be 1 or 0, got {value!r}")
