"""The exception vocabulary of the tools, named by who has to act next.

``ToolInputError``: the caller (a model or an analyst) must fix its arguments.
``PolicyBlocked``: the request is lawful to ask but refused by a contact rule; the
caller adapts (for example, picks an alternative treatment).
``ConfigError`` and ``DataFileError``: an operator must fix a file; start-up stops.
Anything else is a bug and propagates.
"""

from __future__ import annotations


class CVMError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(CVMError):
    """The configuration file is missing or invalid.

    Args:
        path: The configuration file.
        key: Dotted key path of the offending value (empty for the whole file).
        problem: What is wrong, in one short sentence.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"config error in {where}: {problem}")


class DataFileError(CVMError):
    """A customer data file cannot be read or a record in it is invalid."""


class StorageError(CVMError):
    """The state dir, the ledger file or the log file cannot be used; start-up stops.

    The message names the path, the setting that chose it and the problem.
    """


class LedgerUnavailable(StorageError):
    """The ledger refused a write; nothing of it was committed, nothing earlier lost.

    Its file was removed or replaced under this process, or the disk is read-only,
    full or failing.

    Attributes:
        rule: Always ``"LEDGER"`` (a refusal carries a rule id).
    """

    rule = "LEDGER"


class ToolInputError(CVMError):
    """The arguments of a tool call are wrong; the caller should correct them."""


class InvalidCustomerIdError(ToolInputError):
    """The customer id does not match the configured pattern."""


class UnknownCustomerError(ToolInputError):
    """The customer id is well formed but not in the dataset.

    Attributes:
        customer_id: The id asked for.
        suggestions: The nearest known ids.
    """

    def __init__(self, customer_id: str, suggestions: list[str]) -> None:
        self.customer_id, self.suggestions = customer_id, suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Customer {customer_id} is not in the dataset.{hint}")


class UnknownTreatmentError(ToolInputError):
    """The treatment key is not configured."""

    def __init__(self, key: str, known: list[str]) -> None:
        self.key, self.known = key, known
        super().__init__(
            f"Unknown treatment '{key}'. Known treatments: {', '.join(known)}."
        )


class PolicyBlocked(CVMError):
    """A contact rule refused the action.

    Attributes:
        rule: The rule id (CONSENT, CAPACITY, APPROVAL, ...).
        reason: Human-readable reason grounded in the customer's data.
        rules: Every rule id that failed (``rule`` is the first).
    """

    def __init__(self, rule: str, reason: str, rules: list[str] | None = None) -> None:
        self.rule, self.reason = rule, reason
        self.rules = rules or [rule]
        super().__init__(f"{rule}: {reason}")
