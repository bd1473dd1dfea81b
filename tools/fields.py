r"""One validator per field: the value types every loader and the configuration share.

A customer id, a day, a clock time, a count, an amount of money … is checked by the
same definition wherever it comes in: the customer record (JSON folders, the sample,
JSON imports), the import's column checks in SQL (Parquet, CSV: their bounds come
from these types' metadata through :func:`bounds`), the configuration and the CLI's
flags. A value one loader accepts, every loader accepts.

Customer ids are printable ASCII (:data:`ID_CHARS`, no ``\d`` that would match
Arabic-Indic or full-width digits) matching ``validation.customer_id_pattern``,
checked by :func:`customer_id_problem` in Python and by :func:`customer_id_sql` in
DuckDB: the same two regular expressions, which both engines read alike on ASCII
text. Data files must carry ids exactly so; what an analyst types is normalised by
:func:`normalise_customer_id` (surrounding spaces, upper case) before the same check.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal, get_args

from annotated_types import Ge, Gt, Le, Lt
from pydantic import AfterValidator, Field

INT32_MAX = 2**31 - 1  # the store's INTEGER columns hold no more
MONEY_MAX = 9_999_999_999.99  # the store's DECIMAL(12,2) money columns
MEASURE_MAX = 1e9  # GB, Mbps, ms, minutes, seconds: far beyond any real reading
DAY_MIN, DAY_MAX = date(1900, 1, 1), date(2100, 12, 31)
ID_MAX = 64
# printable ASCII, no space: the same class in Python's re and DuckDB's RE2
ID_CHARS = rf"[!-~]{{1,{ID_MAX}}}"
DEFAULT_ID_PATTERN = r"^U([0-9]{3}|[0-9]{7,8})$"
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)

# -- numbers and days: bounded, finite ------------------------------------------
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
Lines = Annotated[int, Field(ge=1, le=INT32_MAX)]
Satisfaction = Annotated[int, Field(ge=0, le=10)]
Money = Annotated[float, Field(ge=-MONEY_MAX, le=MONEY_MAX, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, le=MONEY_MAX, allow_inf_nan=False)]
Measure = Annotated[float, Field(ge=0, le=MEASURE_MAX, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Day = Annotated[date, Field(ge=DAY_MIN, le=DAY_MAX)]

# -- closed vocabularies -----------------------------------------------------------
ConsentChannel = Literal["call", "sms", "email", "push"]
# the channel a treatment contacts by ("none": no contact)
Channel = Literal["call", "sms", "email", "push", "app", "none"]
Purpose = Literal["marketing", "service", "billing"]
BillStatus = Literal["paid", "pending", "overdue"]
NetworkQuality = Literal["poor", "fair", "good", "excellent"]
InteractionChannel = Literal["call", "web_chat", "email", "store"]
Sentiment = Literal["positive", "neutral", "negative"]
OfferStatus = Literal["open", "pending", "accepted", "declined"]


def bounds(kind: Any) -> tuple[Any, Any]:
    """The inclusive (low, high) bounds of an annotated type (None where open).

    The import's SQL checks read them here, so a column is bounded exactly as the
    record's field of the same kind.
    """
    low = high = None
    for item in getattr(kind, "__metadata__", ()):
        for meta in getattr(item, "metadata", [item]):
            if isinstance(meta, (Ge, Gt)):
                low = meta.ge if isinstance(meta, Ge) else meta.gt
            elif isinstance(meta, (Le, Lt)):
                high = meta.le if isinstance(meta, Le) else meta.lt
    return low, high


def choices(kind: Any) -> tuple[str, ...]:
    """The values of a closed vocabulary (a ``Literal``); () for anything else."""
    return tuple(str(v) for v in get_args(kind)) if _is_literal(kind) else ()


def _is_literal(kind: Any) -> bool:
    return getattr(kind, "__origin__", None) is Literal


# -- clock times and daily windows ---------------------------------------------------
def clock_time(value: str) -> str:
    """Check a 24-hour ``HH:MM`` time (ASCII digits, 00:00 to 23:59).

    Raises:
        ValueError: Anything else (``24:00``, ``٠٨:٠٠``, ``8:00``, seconds).
    """
    if not isinstance(value, str) or not _CLOCK.fullmatch(value):
        shown = str(value)[:40]
        raise ValueError(f"{shown!r} is not a time in HH:MM form (00:00-23:59)")
    return value


ClockTime = Annotated[str, AfterValidator(clock_time)]
SAME_START_END = "starts and ends at the same time"


def window(value: str | None) -> str | None:
    """Check a daily window ``HH:MM-HH:MM`` (may wrap midnight, never empty).

    Raises:
        ValueError: Not two 24-hour times, or the window starts where it ends.
    """
    if value is None or not value.strip():
        return None
    start, sep, end = value.strip().partition("-")
    try:
        if not sep:
            raise ValueError
        start, end = clock_time(start.strip()), clock_time(end.strip())
    except ValueError:
        raise ValueError(
            f"{value[:40]!r} is not a window like 22:00-08:00 (24-hour HH:MM-HH:MM)"
        ) from None
    if start == end:
        raise ValueError(f"{value[:40]!r} {SAME_START_END}")
    return f"{start}-{end}"


# -- customer ids ----------------------------------------------------------------------
NOT_ASCII_ID = f"not 1 to {ID_MAX} printable ASCII characters"


def _no_match(pattern: str) -> str:
    return f"does not match the id pattern {pattern}"


def customer_id_problem(value: object, pattern: str) -> str | None:
    """What is wrong with a stored customer id (None: nothing).

    Args:
        value: The id exactly as a file or the store holds it.
        pattern: ``validation.customer_id_pattern``.
    """
    if not isinstance(value, str) or not re.fullmatch(ID_CHARS, value):
        return NOT_ASCII_ID
    if not re.fullmatch(pattern, value, flags=re.ASCII):
        return _no_match(pattern)
    return None


def customer_id_sql(column: str, pattern: str) -> list[tuple[str, str, list[object]]]:
    """The same checks in SQL: (condition true where wrong, problem, parameters).

    The problems are :func:`customer_id_problem`'s, in its order; both regular
    expressions are matched in full by RE2, which reads ASCII-only ids exactly as
    Python's ``re`` does with ``re.ASCII``.
    """
    chars = f"regexp_full_match({column}::VARCHAR, ?)"
    return [
        (f"{column} IS NOT NULL AND NOT {chars}", NOT_ASCII_ID, [ID_CHARS]),
        (
            f"{column} IS NOT NULL AND {chars} "
            f"AND NOT regexp_full_match({column}::VARCHAR, ?)",
            _no_match(pattern),
            [ID_CHARS, pattern],
        ),
    ]


def normalise_customer_id(raw: object) -> str:
    """An id as an analyst typed it, normalised: spaces around cut, upper case.

    Only ASCII is upper-cased (a dotless ``ı`` never becomes ``I``); the result
    still has to pass :func:`customer_id_problem`.
    """
    text = str(raw).strip()
    return text.upper() if text.isascii() else text


def finite(value: float) -> float:
    """``value`` if it is a finite number, else ``ValueError`` (``inf``, ``nan``)."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value
