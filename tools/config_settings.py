"""The operational sections of the configuration, and the strict base of every section.

``model``, ``validation`` and ``settings`` (time zone, state dir, logging, audit);
:mod:`tools.config` holds the policy sections and loads the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.fields import DEFAULT_ID_PATTERN, Amount

DEFAULT_CONFIG_PATH = (
    Path(__file__).resolve().parent.parent / "config" / "cvm_config.yaml"
)  # the shipped configuration (the operator edits it)
DEFAULT_STATE_DIR = "./var"
DEFAULT_MAX_MESSAGE_CHARS = 4000
DEFAULT_AUDIT_QUESTION_CHARS = 2000
DEFAULT_AUDIT_RETENTION_DAYS = 400
DEFAULT_THREAD_RETENTION_DAYS = 90
MAX_TOKENS = 10_000_000  # above any model's context window
MAX_TEXT_CHARS = 1_000_000


class Strict(BaseModel):
    """A config section: unknown keys refused, frozen, finite numbers only."""

    # Finite numbers only: `cost: 1e400` or `.inf` is refused, not booked as inf.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def path_text(value: str | None) -> str | None:
    """A path setting: not empty, no NUL character (no file name holds one)."""
    if value is not None and (not value.strip() or "\x00" in value):
        raise ValueError(f"{value[:80]!r} is not a usable path")
    return value


def known_time_zone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise ``ValueError``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name[:60]!r} (use an IANA name like Europe/London)"
        ) from None
    return name


class ModelSettings(Strict):
    """Which model drives the conversation and its limits."""

    provider: Literal["auto", "offline", "openai"] = "auto"
    id: str = "gpt-4o"
    base_url: str | None = None
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(800, ge=16, le=MAX_TOKENS)
    max_tool_rounds: int = Field(6, ge=1, le=50)
    max_tool_errors: int = Field(4, ge=1, le=50)
    context_token_budget: int = Field(12000, ge=1000, le=MAX_TOKENS)
    history_token_budget: int = Field(2000, ge=0, le=MAX_TOKENS)
    history_max_turns: int = Field(10, ge=1, le=1000)
    request_timeout_s: float = Field(30.0, gt=0, le=3600)
    max_retries: int = Field(2, ge=0, le=10)
    stream: bool = True
    prices_per_million: dict[str, dict[Literal["input", "output"], Amount]] = Field(
        default_factory=dict
    )


class Validation(Strict):
    """Input validation rules."""

    customer_id_pattern: str = DEFAULT_ID_PATTERN
    max_customers_per_batch: int = Field(100, ge=1, le=100_000)
    max_message_chars: int = Field(
        DEFAULT_MAX_MESSAGE_CHARS,
        ge=20,
        le=MAX_TEXT_CHARS,
        description="Longest analyst message accepted (longer ones are refused).",
    )
    required_journey_fields: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _pattern_compiles(self) -> Validation:
        try:  # ids are ASCII: \d and \w mean what they mean in DuckDB's RE2
            re.compile(self.customer_id_pattern, re.ASCII)
        except re.error as exc:
            raise ValueError(
                f"customer_id_pattern is not a valid regex: {exc}"
            ) from exc
        return self


class LoggingSettings(Strict):
    """Rotating log file settings; ``file`` is relative to the state dir."""

    file: str = "logs/cvm.log"
    _path = field_validator("file")(lambda cls, v: path_text(v))
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(10_485_760, ge=1024, le=2**40)
    backup_count: int = Field(5, ge=0, le=1000)


class AuditSettings(Strict):
    """How much of each turn the audit keeps, and for how long."""

    retention_days: int = Field(
        DEFAULT_AUDIT_RETENTION_DAYS,
        ge=1,
        le=36_500,
        description="Audit records older than this are deleted as new ones arrive.",
    )
    max_question_chars: int = Field(
        DEFAULT_AUDIT_QUESTION_CHARS,
        ge=20,
        le=MAX_TEXT_CHARS,
        description="The question is stored cut to this length (NUL bytes removed).",
    )


class ThreadSettings(Strict):
    """How long the UI's stored conversations (threads, with login on) are kept."""

    retention_days: int = Field(
        DEFAULT_THREAD_RETENTION_DAYS,
        ge=1,
        le=36_500,
        description="Threads idle longer than this are deleted (at start-up and "
        "by `cvm retention`).",
    )


class Settings(Strict):
    """Global settings."""

    timezone: str = "Europe/London"
    state_dir: str = DEFAULT_STATE_DIR
    data_dir: str | None = None
    logging: LoggingSettings = LoggingSettings()
    audit: AuditSettings = AuditSettings()
    threads: ThreadSettings = ThreadSettings()
    catalogue_editors: list[str] | None = Field(
        None,
        description="The catalogue role: approvers who may change the treatment "
        "catalogue (login names, cli:<user>); None: anyone who may approve.",
    )

    _zone = field_validator("timezone")(lambda cls, v: known_time_zone(v))
    _paths = field_validator("state_dir", "data_dir")(lambda cls, v: path_text(v))

    @field_validator("data_dir")
    @classmethod
    def _json_folder(cls, value: str | None) -> str | None:
        if value is None:
            return None
        folder = Path(value)
        if not folder.is_dir():
            raise ValueError(
                f"{value[:80]!r} is not a folder (give a folder of *.json customer "
                "files, or null to use the customer store)"
            )
        if not any(
            p.is_file() and not p.name.startswith(".") for p in folder.glob("*.json")
        ):
            raise ValueError(f"{value[:80]!r} holds no *.json customer files")
        return value
