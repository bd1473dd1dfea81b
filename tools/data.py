"""The Data tool: look up one customer record in the customer source.

Customers live in the customer store (:mod:`tools.store`); this module reads one by
key on demand and validates ids. It also reads JSON extracts (the packaged sample,
``settings.data_dir`` folders and the original system's files for ``cvm import``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.config import CVMConfig, get_config
from tools.customer import CustomerData
from tools.errors import DataFileError, InvalidCustomerIdError
from tools.files import FileProblem, load_json
from tools.records import check_unique, validate_customer_record

if TYPE_CHECKING:
    from tools.context import ToolContext

PACKAGED_DATA_DIR = Path(__file__).resolve().parent / "data"


class CustomerIdArgs(BaseModel):
    """Arguments of every tool that takes one customer."""

    customer_id: str


def data_dir(config: CVMConfig) -> Path:
    """The JSON dataset folder: config ``settings.data_dir``, else the packaged one."""
    return (
        Path(config.settings.data_dir)
        if config.settings.data_dir
        else PACKAGED_DATA_DIR
    )


def read_json_file(
    path: Path, config: CVMConfig, seen: dict[str, str] | None = None
) -> list[CustomerData]:
    """Validate every customer record of one JSON file.

    Each record goes through :func:`tools.records.validate_customer_record`, and
    ids must be unique across the files read with the same ``seen``.

    Raises:
        DataFileError: The file cannot be read or parsed, a record is invalid or an
            id repeats; names the file, the record index, the customer and the key.
    """
    try:
        raw = load_json(path)
    except FileProblem as exc:
        raise DataFileError(f"{path}: cannot read customer data: {exc}") from None
    records = raw.get("customers") if isinstance(raw, dict) else raw
    if not isinstance(records, list):
        raise DataFileError(f"{path}: expected a list of customers under 'customers'")
    seen = {} if seen is None else seen
    customers = []
    for index, record in enumerate(records):
        where = f"{path}: record {index}"
        customer = validate_customer_record(record, config, where)
        check_unique(customer.customer_id, where, seen)
        customers.append(customer)
    return customers


def read_json_folder(folder: Path, config: CVMConfig) -> list[CustomerData]:
    """Every record of a folder's ``*.json`` files (an id may appear only once)."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise DataFileError(f"{folder}: no customer data files (*.json) found")
    seen: dict[str, str] = {}
    return [c for path in files for c in read_json_file(path, config, seen)]


def clear_cache() -> None:
    """Forget every opened customer source; the next lookup opens them again."""
    from tools.store.source import forget_sources

    forget_sources()


def validate_customer_id(customer_id: str, config: CVMConfig | None = None) -> str:
    """Normalise (strip, upper-case) and check a customer id against the pattern.

    Raises:
        InvalidCustomerIdError: The id does not match the configured pattern.
    """
    config = config or get_config()
    cid = str(customer_id).strip().upper()
    if not re.fullmatch(config.validation.customer_id_pattern, cid):
        raise InvalidCustomerIdError(
            f"'{customer_id}' is not a valid customer id: expected the pattern "
            f"{config.validation.customer_id_pattern} (for example U124 or U1000123)."
        )
    return cid


def get_customer_data(
    customer_id: str,
    config: CVMConfig | None = None,
    ctx: ToolContext | None = None,
) -> CustomerData:
    """Get everything known about one customer.

    Plan, consents per channel and purpose, bills, usage, network, churn, offers and
    interactions. Unknown ids fail.

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).
        ctx: The tool context whose customer source to read (defaults to the
            configuration's source).

    Returns:
        The customer's normalised record.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer; the error suggests the nearest ids.
    """
    from tools.store.source import customer_source

    config = ctx.config if ctx else config or get_config()
    cid = validate_customer_id(customer_id, config)
    source = ctx.customers if ctx else customer_source(config)
    return source.get(cid)


def customer_ids(
    config: CVMConfig | None = None, limit: int | None = None
) -> list[str]:
    """Customer ids of the source in order (all, or the first ``limit``)."""
    from tools.store.source import customer_source

    return customer_source(config or get_config()).ids(limit)
