"""Sensitive data was masked in a mail, decided: always an event; the customer is told once per ticket."""

from __future__ import annotations

from helpdesk.effects import Effect, Notify, Record


def masked_notice(kinds: frozenset[str], from_requester: bool, told_before: bool) -> list[Effect]:
    """The effects of a mail whose `kinds` of sensitive data were masked before it was stored."""
    effects: list[Effect] = [
        Record(
            "privacy",
            "sensitive_masked",
            {"kinds": sorted(kinds)},
            reason="masked in everything derived from the mail; only the raw mail keeps it",
        )
    ]
    if from_requester and not told_before:
        effects += [
            Notify("sensitive_masked", automatic=True, extra={"kinds": sorted(kinds)}),
            Record("privacy", "sensitive_notice", {"kinds": sorted(kinds)}),
        ]
    return effects
