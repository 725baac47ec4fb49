"""Small helpers for printing user data with rich without it being read as markup."""

from __future__ import annotations

from rich.text import Text


def plain(*cells: str | None) -> list[Text]:
    """Table cells as literal text: a subject like '[#202611-001] …' is data, not a style tag."""
    return [Text("-" if cell is None else str(cell)) for cell in cells]
