"""NCBI's usage rules that need no socket: request pacing, and who may be named to NCBI.

At most 3 request starts in any second without an API key, 10 with one, across every thread
and client of a process; ``tool`` and a real contact ``email`` on every request to NCBI.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from pubmed.replies import EutilsConfigError

# Spacing is 1/limit plus this margin, so that scheduling jitter on either side of the
# socket never puts limit + 1 request starts inside one second of the server's clock.
PACING_MARGIN = 0.12
NCBI_HOST = "ncbi.nlm.nih.gov"
# RFC 2606 / 6761 names: an address there reaches nobody, so NCBI could reach no one either.
_RESERVED_MAIL = re.compile(
    r"@(?:.+\.)?(?:example\.(?:com|org|net)|example|invalid|test|localhost)$", re.I
)


class RateLimiter:
    """Grant request starts at least ``interval`` apart, across every thread that shares it."""

    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = (1.0 + PACING_MARGIN) / per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._last = -math.inf

    def wait(self, sleep: Callable[[float], object] = time.sleep) -> None:
        """Block until this caller may start a request; the grant time is when it was given."""
        while True:
            with self._lock:
                now = self._clock()
                delay = self._last + self.interval - now
                if delay <= 0:
                    self._last = now
                    return
            sleep(delay)


_LIMITERS: dict[tuple[str, str], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(base_url: str, api_key: str | None) -> RateLimiter:
    """The process-wide limiter for one server and key, so separate clients pace together."""
    key = (base_url, api_key or "")
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(10 if api_key else 3)
        return _LIMITERS[key]


def is_ncbi(base_url: str) -> bool:
    """Whether the URL is NCBI's own E-utilities (not a stand-in or a mirror under test)."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host == NCBI_HOST or host.endswith("." + NCBI_HOST)


def check_identity(base_url: str, email: str, tool: str = "ketamine-evidence") -> None:
    """Refuse to talk to NCBI without a contact address NCBI could actually write to."""
    if not email or not tool:
        raise EutilsConfigError("NCBI asks for tool and email on every request")
    if is_ncbi(base_url) and ("@" not in email or _RESERVED_MAIL.search(email.strip())):
        raise EutilsConfigError(
            f"NCBI_EMAIL is {email!r}, a placeholder: NCBI asks for a real contact address "
            f"on every request to {urlsplit(base_url).hostname}; set NCBI_EMAIL=you@your-clinic"
        )
