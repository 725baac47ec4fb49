"""When to try a failed send again: exponential backoff with jitter, and what never retries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from helpdesk.config import RetryConfig


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff `initial * factor**(attempt-1)`, capped at `maximum`, spread by ±`jitter`."""

    initial: float
    maximum: float
    factor: float
    jitter: float
    max_attempts: int

    @classmethod
    def from_config(cls, config: RetryConfig) -> RetryPolicy:
        return cls(
            config.initial_seconds,
            config.max_seconds,
            config.factor,
            config.jitter,
            config.max_attempts,
        )

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return timedelta(seconds=max(0.0, base + rng.uniform(-spread, spread)))

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


def is_permanent(code: int | None) -> bool:
    """SMTP 5xx replies are final (RFC 5321 §4.2.1); 4xx, timeouts and refused connections are not."""
    return code is not None and 500 <= code < 600
