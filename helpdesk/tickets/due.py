"""What a periodic job asks the store for, as plain values a pure decider can build: which tickets
are due (sla/progress.py's progress_due), read by tickets/store_clocks.py in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Among:
    """Some values of a column, or (others) every value but these, none included."""

    values: tuple[str, ...]
    others: bool = False


@dataclass(frozen=True)
class LastHeard:
    """Tickets of `priorities` on `teams` whose customer was last heard (their latest update, else
    the ticket's creation) before `before`: at it or earlier, with no owner's reminder after it,
    for an interval cadence; strictly earlier, reminder or not, for the daily summary."""

    priorities: Among
    teams: Among
    before: datetime
    daily: bool
