"""Keys written twice in one YAML mapping: YAML keeps the last silently, so the first is lost unseen."""

from __future__ import annotations

import yaml


def duplicate_keys(text: str) -> list[tuple[int, str]]:
    """(1-based line, key) of each key that repeats an earlier key of the same mapping."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # the loader says what is wrong with the text
    found: list[tuple[int, str]] = []
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        found.append((key.start_mark.line + 1, key.value))
                    seen.add(key.value)
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return sorted(found)
