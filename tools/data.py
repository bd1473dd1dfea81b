"""The Data tool: look up one customer record in the customer source.

Customers live in the customer store (:mod:`tools.store`); this module reads one by
key on demand and validates ids. JSON extracts (the packaged sample,
``settings.data_dir`` folders, the original system's files for ``cvm import``) are
read by :mod:`tools.store.json_files`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from tools.config import CVMConfig, get_config
from tools.customer import CustomerData
from tools.errors import InvalidCustomerIdError
from tools.fields import customer_id_problem, normalise_customer_id

if TYPE_CHECKING:
    from tools.context import ToolContext


class CustomerIdArgs(BaseModel):
    """Arguments of every tool that takes one customer."""

    customer_id: str


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
    cid = normalise_customer_id(customer_id)
    if customer_id_problem(cid, config.validation.customer_id_pattern):
        raise InvalidCustomerIdError(
            f"'{customer_id}' is not a valid customer id: expected the pattern "
            f"{config.validation.customer_id_pattern} (for example U124 or U1000123)."
        )
    return cid


def get_customer_data(customer_id: str, ctx: ToolContext) -> CustomerData:
    """Get everything known about one customer.

    Plan, consents per channel and purpose, bills, usage, network, churn, offers and
    interactions. Unknown ids fail.

    Args:
        customer_id: The customer id, e.g. U124.
        ctx: Configuration and the customer source to read.

    Returns:
        The customer's normalised record.

    Raises:
        InvalidCustomerIdError: The id is malformed.
        UnknownCustomerError: No such customer; the error suggests the nearest ids.
    """
    cid = validate_customer_id(customer_id, ctx.config)
    return ctx.customers.get(cid)


def customer_ids(
    config: CVMConfig | None = None, limit: int | None = None
) -> list[str]:
    """Customer ids of the source in order (all, or the first ``limit``)."""
    from tools.customer_base import customer_source

    return customer_source(config or get_config()).ids(limit)
