"""Load YAML together with the line of every key, so validation errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """Raised when the text is not YAML; str() is "file:line: message"."""


def load_with_lines(text: str, source: str) -> tuple[Any, dict[Location, int]]:
    """Parse `text` and return (data, {path: 1-based line}) for every mapping key and list item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(f"{source}:{line}: {exc.problem or exc}") from exc
    lines: dict[Location, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, key_node.value)
            lines[key] = key_node.start_mark.line + 1
            _walk(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def line_of(lines: dict[Location, int], loc: Location) -> int:
    """The line of the deepest known prefix of `loc` (a missing key points at its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def read_text(path: Path) -> str:
    """Read a UTF-8 config file (a BOM is accepted, as Windows editors write one)."""
    return path.read_text(encoding="utf-8-sig")
