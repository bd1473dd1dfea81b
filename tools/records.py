"""Validation of one customer record: the single check every loader uses.

``validate_customer_record`` is called for each record of the JSON data files
(``tools.data``) and is the function the customer store's import calls for each
imported record, so a record is accepted or refused by the same rules everywhere:
the schema (types, ranges, finite numbers), a known IANA time zone, a valid
do-not-disturb window, and an id of printable ASCII matching
``validation.customer_id_pattern`` (:func:`tools.fields.customer_id_problem`, the
check the import's SQL makes too).
Duplicate ids are a property of a whole dataset: see ``check_unique``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tools.config import CVMConfig, get_config
from tools.config_messages import describe
from tools.customer import CustomerData
from tools.errors import DataFileError
from tools.fields import customer_id_problem
from tools.files import shorten


def _record_id(record: Any) -> str:
    cid = record.get("customer_id") if isinstance(record, dict) else None
    return shorten(cid, 30).strip("'") if isinstance(cid, str) else "?"


def validate_customer_record(
    record: Any,
    config: CVMConfig | None = None,
    where: str = "record",
    id_pattern: str | None = None,
) -> CustomerData:
    """Validate one raw customer record (a dict from JSON, Parquet, CSV ...).

    Used by every loader: the JSON data files and the customer store's import.

    Args:
        record: The raw record (field names of this schema or the original
            system's aliases).
        config: The configuration (``validation.customer_id_pattern``); the one
            in force when neither it nor ``id_pattern`` is given.
        where: Where the record came from, e.g. ``"data/a.json: record 3"``; it
            starts the error message.
        id_pattern: The id pattern to enforce instead of the config's (the
            store's import passes the pattern it checks columns with).

    Returns:
        The normalised record.

    Raises:
        DataFileError: One short line: ``<where> (customer <id>): <key>: <problem>``.
    """
    head = f"{where} (customer {_record_id(record)})"
    if not isinstance(record, dict):
        raise DataFileError(f"{head}: expected an object, got {type(record).__name__}")
    try:
        customer = CustomerData.model_validate(record)
    except ValidationError as exc:
        errors = exc.errors()
        key, problem = describe(errors[0], record, CustomerData)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise DataFileError(f"{head}: {key or 'record'}: {problem}{more}") from None
    except RecursionError:
        raise DataFileError(f"{head}: nested too deeply") from None
    pattern = id_pattern or (config or get_config()).validation.customer_id_pattern
    wrong = customer_id_problem(customer.customer_id, pattern)
    if wrong:
        raise DataFileError(
            f"{head}: customer_id: {wrong} (validation.customer_id_pattern), so it "
            "could never be looked up"
        )
    return customer


def check_unique(customer_id: str, where: str, seen: dict[str, str]) -> None:
    """Refuse a customer id already seen in the dataset (no last-record-wins).

    Args:
        customer_id: The id of the record being loaded.
        where: Where this record came from.
        seen: Ids loaded so far and where each came from (updated).

    Raises:
        DataFileError: The id was already loaded; names both places.
    """
    first = seen.setdefault(customer_id, where)
    if first != where:
        raise DataFileError(
            f"{where}: customer_id: {customer_id} is a duplicate (first in {first}); "
            "each customer must appear once across all data files"
        )
