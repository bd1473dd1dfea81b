"""Customer records from JSON files, validated record by record.

The packaged sample (``tools/data``), ``settings.data_dir`` folders and the
original system's files for ``cvm import`` are read here; the stores build their
tables from what this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from tools.config import CVMConfig
from tools.customer import CustomerData
from tools.errors import DataFileError
from tools.files import FileProblem, load_json
from tools.records import check_unique, validate_customer_record

PACKAGED_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


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
    files = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
    if not files:
        raise DataFileError(f"{folder}: no customer data files (*.json) found")
    seen: dict[str, str] = {}
    return [c for path in files for c in read_json_file(path, config, seen)]


def read_json_as_of(path: Path) -> date | None:
    """A customer file's own ``as_of`` date (the day its data was extracted), if any.

    Raises:
        DataFileError: The field is there but not an ISO date.
    """
    try:
        raw = load_json(path)
    except FileProblem as exc:
        raise DataFileError(f"{path}: cannot read customer data: {exc}") from None
    value = raw.get("as_of") if isinstance(raw, dict) else None
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DataFileError(
            f"{path}: as_of: {str(value)[:40]!r} is not a date (YYYY-MM-DD)"
        ) from None


def read_files_as_of(paths: Sequence[Path]) -> date | None:
    """The latest ``as_of`` of some customer files (None when none has one)."""
    found = [d for p in paths if (d := read_json_as_of(p))]
    return max(found, default=None)


def read_json_folder_as_of(folder: Path) -> date | None:
    """The latest ``as_of`` of a folder's ``*.json`` files (None when none has one)."""
    return read_files_as_of(sorted(folder.glob("*.json")))
