"""The Data tool: load, validate, cache and look up customer records."""

from __future__ import annotations

import difflib
import logging
import re
import threading
from pathlib import Path

from pydantic import BaseModel

from tools.config import CVMConfig, get_config
from tools.customer import CustomerData
from tools.errors import DataFileError, InvalidCustomerIdError, UnknownCustomerError
from tools.files import FileProblem, load_json
from tools.records import check_unique, validate_customer_record

log = logging.getLogger(__name__)

PACKAGED_DATA_DIR = Path(__file__).resolve().parent / "data"

_cache: dict[str, dict[str, CustomerData]] = {}
_lock = threading.Lock()


class CustomerIdArgs(BaseModel):
    """Arguments of every tool that takes one customer."""

    customer_id: str


def data_dir(config: CVMConfig) -> Path:
    """The dataset folder: config ``settings.data_dir``, else the packaged one."""
    return (
        Path(config.settings.data_dir)
        if config.settings.data_dir
        else PACKAGED_DATA_DIR
    )


def _load_file(
    path: Path, config: CVMConfig, seen: dict[str, str]
) -> list[CustomerData]:
    try:
        raw = load_json(path)
    except FileProblem as exc:
        raise DataFileError(f"{path}: cannot read customer data: {exc}") from None
    records = raw.get("customers") if isinstance(raw, dict) else raw
    if not isinstance(records, list):
        raise DataFileError(f"{path}: expected a list of customers under 'customers'")
    customers = []
    for index, record in enumerate(records):
        where = f"{path}: record {index}"
        customer = validate_customer_record(record, config, where)
        check_unique(customer.customer_id, where, seen)
        customers.append(customer)
    return customers


def load_customers(config: CVMConfig | None = None) -> dict[str, CustomerData]:
    """All customers of the configured dataset, by id (cached until ``clear_cache``).

    Raises:
        DataFileError: A file cannot be read or parsed (not UTF-8, not JSON, too
            deep), a record is invalid (see ``validate_customer_record``), or a
            customer id appears twice across the files (names both places).
    """
    config = config or get_config()
    key = config.settings.data_dir or ""
    cached = _cache.get(key)
    if cached is not None:
        return cached
    folder = data_dir(config)
    with _lock:
        if key in _cache:
            return _cache[key]
        files = sorted(folder.glob("*.json"))
        if not files:
            raise DataFileError(f"{folder}: no customer data files (*.json) found")
        customers: dict[str, CustomerData] = {}
        seen: dict[str, str] = {}
        for path in files:
            for customer in _load_file(path, config, seen):
                customers[customer.customer_id] = customer
        log.info("loaded %d customers from %s", len(customers), folder)
        _cache[key] = customers
        return customers


def clear_cache() -> None:
    """Forget every loaded dataset; the next lookup reads the files again."""
    with _lock:
        _cache.clear()


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
            f"{config.validation.customer_id_pattern} (for example U124)."
        )
    return cid


def get_customer_data(
    customer_id: str, config: CVMConfig | None = None
) -> CustomerData:
    """Get everything known about one customer.

    Plan, consents per channel and purpose, bills, usage, network, churn, offers and
    interactions. Unknown ids fail.

    Args:
        customer_id: The customer id, e.g. U124.
        config: The configuration (defaults to the one in force).

    Returns:
        The customer's normalised record.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer; the error suggests the nearest ids.
    """
    config = config or get_config()
    cid = validate_customer_id(customer_id, config)
    customers = load_customers(config)
    try:
        return customers[cid]
    except KeyError:
        near = difflib.get_close_matches(cid, list(customers), n=3, cutoff=0.5)
        raise UnknownCustomerError(cid, near) from None


def customer_ids(config: CVMConfig | None = None) -> list[str]:
    """The ids of every customer in the dataset, sorted."""
    return sorted(load_customers(config))
