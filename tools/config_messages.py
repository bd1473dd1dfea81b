"""One short line per configuration mistake: the key path and the problem.

Pydantic's messages can quote the offending input; a top-level validator's input is
the whole document, so quoted values are cut short and mappings or lists are never
quoted (the key path says where to look).
"""

from __future__ import annotations

import difflib
from typing import Any, get_args, get_origin

from tools.files import shorten

MAX_PROBLEM = 200  # characters of a problem description
MAX_SHOWN = 300  # characters of the problem as shown (control characters escaped)


def describe(error: Any, data: Any, root: Any) -> tuple[str, str]:
    """Turn one pydantic error into (key path, problem) with a did-you-mean hint.

    Args:
        error: One item of ``ValidationError.errors()``.
        data: The document that was validated (for the allowed keys).
        root: The pydantic model the document was validated against.
    """
    loc = [str(p) for p in error["loc"]]
    key = ".".join(_part(p) for p in loc)
    problem = str(error["msg"]).removeprefix("Value error, ")
    if len(problem) > MAX_PROBLEM:
        problem = problem[: MAX_PROBLEM - 1] + "…"
    if error["type"] == "extra_forbidden":
        problem = f"unknown key {_part(loc[-1], quote=True)}"
        allowed = allowed_keys(loc[:-1], root)
        close = difflib.get_close_matches(loc[-1], allowed, n=1)
        if close:
            problem += f" (did you mean '{close[0]}'?)"
    elif (
        "input" in error
        and error["type"] not in ("missing", "value_error")  # ours name the value
        and not isinstance(error["input"], (dict, list))
    ):
        problem += f" (got {shorten(error['input'])})"
    if len(key) > 120:
        key = key[:119] + "…"
    shown = one_line(problem)  # escaping can make the text up to 4x longer
    if len(shown) > MAX_SHOWN:
        shown = shown[: MAX_SHOWN - 1] + "…"
    return key, shown


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _part(part: str, quote: bool = False) -> str:
    """One key of a path: plain names as they are, odd ones quoted and cut."""
    plain = part.isprintable() and part.strip() == part and part and len(part) < 60
    return (f"'{part}'" if quote else part) if plain else shorten(part, 40)


def allowed_keys(parent: list[str], root: Any) -> list[str]:
    """The field names allowed at a key path, for did-you-mean hints."""
    model: Any = root
    skip = False
    for part in parent:
        if skip:  # a dict key or list index: the value type is already in `model`
            skip = False
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return []
        model = fields[part].annotation
        while get_origin(model) is not None:
            origin, args = get_origin(model), get_args(model)
            skip = origin in (dict, list)
            model = (
                args[-1]
                if origin in (dict, list)
                else next((a for a in args if hasattr(a, "model_fields")), args[0])
            )
    return list(getattr(model, "model_fields", {}))
