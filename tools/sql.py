"""SQL text never carries a value: values are bound, paths and names quoted here.

Every value goes into DuckDB (and SQLite) as a bound parameter (``?`` or ``$name``),
including file paths wherever DuckDB binds them (``COPY … TO ?``, ``read_csv(?)``,
``read_parquet(?)`` in a query). A few places cannot be bound: a view's definition
(``CREATE VIEW … read_parquet([...])``), ``ATTACH`` with options, a ``VARCHAR[]``
literal the generator builds. There, and only through this module, a value becomes
SQL text: :func:`literal` for a string or path, :func:`identifier` for a table or
column name. A quote in a path is then part of the path, never the end of the
statement (``'; COPY … --`` stays a file name).
"""

from __future__ import annotations

import os

from tools.errors import ToolInputError
from tools.files import shorten


def _text(value: str | os.PathLike[str]) -> str:
    text = os.fspath(value)
    if "\x00" in text:
        raise ToolInputError(f"{shorten(text)}: a NUL character cannot be in a name")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name's undecodable bytes (surrogates)
        raise ToolInputError(f"{shorten(text)}: not valid UTF-8 text") from None
    return text


def literal(value: str | os.PathLike[str]) -> str:
    """``value`` as an SQL string literal (``'it''s'``), e.g. a path in a view.

    Raises:
        ToolInputError: The value holds a NUL character (no file name can) or is
            not valid UTF-8 (a file name's undecodable bytes).
    """
    return "'" + _text(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"a""b"``), e.g. a column name.

    Raises:
        ToolInputError: The name holds a NUL character or is not valid UTF-8.
    """
    return '"' + _text(name).replace('"', '""') + '"'
