"""A customer's open service problems, and the treatments that address them (READ).

The problems are the kernel's (``decisions.suitability`` in the config, decided
column-wise in :mod:`tools.kernel.decide`); this tool only reports them for one
customer, so an analyst (or a model) can ask "what's open for U125?" before any
selling: while one is open, SUITABILITY refuses every marketing treatment.
"""

from __future__ import annotations

from pydantic import Field

from tools.context import ToolContext
from tools.lazy_model import LazyModel
from tools.suitability import fixes, open_problems


class ServiceProblems(LazyModel):
    """The open service problems of one customer, as of the data's date."""

    customer_id: str
    problems: list[str] = Field(
        description="Each open problem in words, with its latest evidence's date."
    )
    addressed_by: list[str] = Field(
        description="Treatments that address them (service before selling)."
    )
    marketing_allowed: bool = Field(
        description="False while a problem is open: SUITABILITY refuses marketing."
    )


def open_service_problems(customer_id: str, ctx: ToolContext) -> ServiceProblems:
    """The customer's open service problems and what addresses them (read only).

    Args:
        customer_id: The customer id, e.g. U125.
        ctx: Configuration, customers and clock.

    Returns:
        The problems (dated), the treatments that address them, and whether
        marketing is allowed.

    Raises:
        InvalidCustomerIdError, UnknownCustomerError.
    """
    from tools.assess import assess  # the kernel loads only where it is used

    a = assess(customer_id, ctx)
    problems = open_problems(a, ctx.config)
    return ServiceProblems(
        customer_id=a.customer.customer_id,
        problems=problems,
        addressed_by=fixes(a, ctx.config),
        marketing_allowed=not problems,
    )
