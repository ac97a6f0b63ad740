"""Problems found in files, and plain-English wording for validation errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one file; ``line``/``column`` are 1-based, 0 when unknown."""

    file: str
    message: str
    line: int = 0
    column: int = 0
    severity: Literal["error", "warning"] = "error"  # a warning: valid, but a setting does nothing

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        if self.line:
            return f"{self.file}:{self.line}:{self.column}: {message}"
        return f"{self.file}: {message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "severity": self.severity}


class BadInput(Exception):
    """Input that cannot be used at all; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def _field_name(loc: Sequence[str | int]) -> str:
    for part in reversed(loc):
        if isinstance(part, str) and not part.startswith("["):
            return part
    return "value"


def _choices(ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def describe(error: dict[str, Any], known_keys: Iterable[str] = ()) -> str:
    """Turn one pydantic error into a sentence a trainer understands."""
    kind = error["type"]
    loc = error["loc"]
    field = _field_name(loc)
    got = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"'{field}' is required"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(field, list(known_keys), n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        allowed = f" (allowed here: {', '.join(sorted(known_keys))})" if known_keys and not hint else ""
        return f"unknown key '{field}'{suggestion}{allowed}"
    if kind in ("enum", "literal_error"):
        return f"'{field}' must be one of: {_choices(ctx)} (got {got!r})"
    if kind == "string_pattern_mismatch":
        return f"'{field}' must use only lowercase letters, digits and hyphens (got {got!r})"
    if kind == "string_type":
        return f"'{field}' must be text (got {_kind_of(got)})"
    if kind in ("bool_type", "bool_parsing"):
        return f"'{field}' must be true or false (got {got!r})"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "finite_number"):
        return f"'{field}' must be a number (got {got!r})"
    if kind == "list_type":
        return f"'{field}' must be a list (got {_kind_of(got)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"'{field}' must be a mapping of keys to values (got {_kind_of(got)})"
    if kind == "too_short":
        return f"'{field}' must not be empty"
    if kind == "string_too_short":
        return f"'{field}' must not be blank"
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return f"'{field}' must be at least {limit} (got {got!r})"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown event type {ctx.get('tag')!r}; expected one of: {tags}"
    if kind == "union_tag_not_found":
        return "the event has no 'type'"
    message = str(error.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"'{field}': {message}" if loc else message


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def errors_of(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors with locations, without the noise of pydantic's URLs."""
    return list(error.errors(include_url=False))
