"""When to try a failed send again: exponential backoff with jitter, and what never retries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from helpdesk.config import BackoffConfig, RetryConfig


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

    @classmethod
    def reconnecting(cls, config: BackoffConfig) -> RetryPolicy:
        """The sender's own wait between tries while the server refuses the connection itself."""
        return cls(config.initial, config.maximum, 2.0, 0.2, max_attempts=0)

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


# Replies that speak of the session, not the mail, even when they come after MAIL FROM: the
# server is closing (421), or wants a login or TLS we did not do (530).
_SESSION_CODES = frozenset({421, 530})


def is_session_trouble(code: int | None) -> bool:
    """Whether a reply to MAIL FROM, RCPT TO or DATA is about our connection, so no mail is to blame."""
    return code in _SESSION_CODES
