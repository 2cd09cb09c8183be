"""Faults the stand-in can be told to inject, and the log of requests it received."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

FAULT_KINDS = frozenset({"429", "500", "502", "503", "reset", "slow", "truncate", "error"})


@dataclass(frozen=True)
class Fault:
    """One scripted failure for the next request to ``endpoint`` ("esearch", "efetch", "*")."""

    endpoint: str
    kind: str
    seconds: float = 0.0  # "slow": delay before answering; "429": Retry-After

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")


@dataclass
class FaultPolicy:
    """Fail every ``every``-th matching request, or each with ``probability`` (seeded)."""

    kinds: Sequence[str] = ("500",)
    endpoint: str = "*"
    every: int = 0
    probability: float = 0.0
    seed: int = 0
    _seen: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def draw(self, endpoint: str) -> Fault | None:
        if self.endpoint not in ("*", endpoint):
            return None
        self._seen += 1
        hit = (self.every and self._seen % self.every == 0) or (
            self.probability and self._rng.random() < self.probability
        )
        return Fault(endpoint, self._rng.choice(list(self.kinds))) if hit else None


@dataclass(frozen=True)
class LoggedRequest:
    """What the stand-in saw and answered, for tests to assert on."""

    method: str
    path: str
    endpoint: str
    params: Mapping[str, str]
    timestamp: float  # the stand-in's clock (time.monotonic) when the connection was accepted
    status: int  # 0 when the connection was reset, -1 while the answer is pending
    bytes: int
    api_key: str | None
    client: str
    fault: str | None
    violations: tuple[str, ...]
