"""Safe YAML loading that remembers where every value came from.

Scenario files are written by hand, so every problem must be reported as
``file:line:col``. PyYAML's node tree carries those positions; this module
builds plain Python values from it and keeps a map from each value's path
(``("staff", 0, "id")``) to its position.

Limits are checked on the event stream before any object is built: a size
cap, a nesting-depth cap and an alias cap. The event parser is iterative,
so a hostile file cannot exhaust the stack (PyYAML's C loader crashes the
process on deep nesting, which is why only the pure-Python SafeLoader is used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
MAX_ALIASES = 100
MAX_VALUES = 200_000  # aliases can multiply a small file ("billion laughs")
# Values written in the file (the largest shipped scenario has under 500): PyYAML's pure-Python
# parser takes about 7 s for a 1 MiB file of 100,000 keys, so a file is refused as soon as it has
# more than this many.
MAX_WRITTEN_VALUES = 10_000

Path = tuple[str | int, ...]
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True, slots=True)
class YamlProblem(Exception):
    """A problem located in a YAML text."""

    message: str
    position: Position = Position(1, 1)

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class LocatedDocument:
    """A YAML document's value plus the position of every key and value."""

    value: Any
    value_positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)

    def position_of(self, path: Path, at_key: bool = False) -> Position:
        """Where a path's value stands (or its key, with at_key); else the nearest parent's."""
        if at_key and path in self.key_positions:
            return self.key_positions[path]
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefix in self.value_positions:
                return self.value_positions[prefix]
            if prefix in self.key_positions:
                return self.key_positions[prefix]
        return Position(1, 1)


def _position(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


def _check_limits(text: str) -> None:
    depth = 0
    aliases = 0
    values = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)):
                values += 1
                if values > MAX_WRITTEN_VALUES:
                    raise YamlProblem(
                        f"the file has more than {MAX_WRITTEN_VALUES:,} values; a scenario needs far fewer",
                        _position(event.start_mark),
                    )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlProblem(
                        f"the file nests deeper than {MAX_DEPTH} levels; flatten it",
                        _position(event.start_mark),
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlProblem(
                        f"the file uses more than {MAX_ALIASES} aliases (*name); write the values out",
                        _position(event.start_mark),
                    )
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    except yaml.reader.ReaderError as error:
        raise _character_problem(text, error) from None


def _character_problem(text: str, error: yaml.reader.ReaderError) -> YamlProblem:
    """A character YAML does not allow in a file (a NUL, most control characters), located."""
    at = error.position
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    character = error.character if isinstance(error.character, str) else chr(error.character)
    name = "a NUL character" if character == "\0" else f"the control character U+{ord(character):04X}"
    return YamlProblem(f"the file contains {name}, which YAML does not allow; remove it", Position(line, column))


def _syntax_problem(error: yaml.MarkedYAMLError) -> YamlProblem:
    what = error.problem or error.context or "invalid YAML"
    mark = error.problem_mark or error.context_mark
    return YamlProblem(f"YAML syntax error: {what}", _position(mark))


class _Builder:
    """Turns composed nodes into plain values, recording positions and refusing duplicate keys."""

    def __init__(self) -> None:
        self.document = LocatedDocument(value=None)
        self._scalars = yaml.SafeLoader("")  # used only for its scalar construction
        self._values_built = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self._values_built += 1
        if self._values_built > MAX_VALUES:
            raise YamlProblem(
                f"the file expands to more than {MAX_VALUES} values (aliases repeat too much)",
                _position(node.start_mark),
            )
        self.document.value_positions[path] = _position(node.start_mark)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
            raise YamlProblem(f"the tag {node.tag!r} is not allowed; remove it", _position(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalars.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(
                    "merge keys (<<) are not supported in scenario files; write the keys out",
                    _position(key_node.start_mark),
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("a key must be a plain word, not a list or mapping", _position(key_node.start_mark))
            key = self._scalars.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            if key in result:
                first = self.document.key_positions[(*path, key)]
                raise YamlProblem(
                    f"duplicate key '{key}' (first given at line {first.line})",
                    _position(key_node.start_mark),
                )
            self.document.key_positions[(*path, key)] = _position(key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return result


def load_located(text: str) -> LocatedDocument:
    """Parse one YAML document safely, with limits, duplicate-key refusal and positions."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlProblem(f"the file is larger than {MAX_BYTES // 1024} KiB")
    _check_limits(text)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    finally:
        loader.dispose()
    builder = _Builder()
    if node is None:
        return builder.document
    try:
        builder.document.value = builder.build(node, ())
    except yaml.MarkedYAMLError as error:
        raise _syntax_problem(error) from None
    return builder.document
