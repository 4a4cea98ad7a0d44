"""What every input edge refuses before it reaches the database or an encoder.

PostgreSQL cannot store NUL in text, UTF-8 cannot encode a lone surrogate, and Python's JSON
parser recurses once per nesting level: input carrying any of these used to travel until it
failed deep inside a query, a response encoder or the parser itself, as a 500 or a dropped
socket. Each kind of edge validates with one layer (pydantic models for the widget and desk
sockets and the widget's session endpoint, DRF serializers for the API, Django forms for pages),
and all of them share the rules below, so "valid text" means the same thing everywhere.

Valid text is kept exactly as sent: nothing here strips or replaces characters.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictStr

# Deeper than any frame or body of ours needs (the widget's identity object is two levels), far
# below the depth at which json.loads raises RecursionError (about 1,000 levels).
MAX_JSON_DEPTH = 32

# C0 control characters other than tab, line feed and carriage return, and lone UTF-16
# surrogates (which a JSON "\ud800" escape produces). Text of several lines may hold the three.
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# A single-line value (a name, an id, a language tag) holds no line breaks or tabs either.
_FORBIDDEN_IN_LINE = re.compile(r"[\x00-\x1f\ud800-\udfff]")


class InvalidInput(ValueError):
    """Input refused at the edge; the message says why, in words a client developer can act on."""


def text_problem(value: str, *, single_line: bool = False) -> str | None:
    """Why ``value`` cannot be accepted as text, or None when it can."""
    forbidden = _FORBIDDEN_IN_LINE if single_line else _FORBIDDEN_IN_TEXT
    found = forbidden.search(value)
    if found is None:
        return None
    character = found.group()
    if "\ud800" <= character <= "\udfff":
        return "contains a lone surrogate, which is not valid Unicode"
    return f"contains the control character U+{ord(character):04X}"


def check_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def check_line(value: str) -> str:
    problem = text_problem(value, single_line=True)
    if problem:
        raise ValueError(problem)
    return value


# Pydantic field types for the models of each edge. Strict: a number is not a string.
Text = Annotated[StrictStr, AfterValidator(check_text)]
Line = Annotated[StrictStr, AfterValidator(check_line)]
# A JSON integer that PostgreSQL's bigint can hold; bool is not an int here.
BigInt = Annotated[int, Field(strict=True, ge=-(2**63), le=2**63 - 1)]


def nesting_depth(value: Any, *, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``value`` nests lists and dicts, counting no further than ``limit + 1``.

    Iterative, so that a value built to be deep cannot exhaust the stack here either.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for untrusted input: every failure is an InvalidInput.

    Bytes must be UTF-8. Nesting beyond ``max_depth`` is refused, whether json.loads reached
    its recursion limit on it or not.
    """
    try:
        value = json.loads(raw)
    except RecursionError as error:
        raise InvalidInput("The JSON nests too deeply.") from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput("The body is not valid JSON.") from error
    if nesting_depth(value, limit=max_depth) > max_depth:
        raise InvalidInput(f"The JSON nests more than {max_depth} levels deep.")
    return value


def first_error(error: Any, *, skip: int = 0) -> str:
    """One readable sentence for a pydantic ValidationError: the first field and its problem.

    ``skip`` leaves out the first parts of the field's location (a tagged union's tag).
    """
    details = error.errors(include_url=False, include_input=False)
    if not details:
        return "The input is not valid."
    detail = details[0]
    where = ".".join(str(part) for part in detail.get("loc", ())[skip:])
    message = str(detail.get("msg", "is not valid"))
    # AfterValidator's ValueErrors come back as "Value error, <our text>".
    message = message.removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
