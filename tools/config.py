"""Typed configuration: one YAML file, validated by pydantic, environment overrides.

Every section forbids unknown keys, so a typo stops start-up with one line that names
the file, the key path and the problem (see :class:`tools.errors.ConfigError`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import (
    Field,
    ValidationError,
    model_validator,
)

from tools.config_decisions import Decisions, SignalName
from tools.config_policy import BigPlan, Policy, ValueModel
from tools.config_settings import (
    DEFAULT_CONFIG_PATH,
    ModelSettings,
    Settings,
    Strict,
    Validation,
)
from tools.errors import ConfigError, UnknownTreatmentError
from tools.fields import (
    INT32_MAX,
    Amount,
    Channel,
    ConsentChannel,
    Count,
    Probability,
    Purpose,
)
from tools.files import FileProblem
from tools.learning_config import CountRow, Experiment, Learning
from tools.yaml_files import load_yaml

MetricName = Literal[
    "churn_score",
    "usage_ratio",
    "tenure_months",
    "monthly_revenue",
    "bill_change_pct",
    "lines",
]

DEFAULT_RESERVED_SHARE = 0.2
NO_ACTION = "ignore"  # the no-action baseline treatment: ranked, never booked
# A sane maximum: beyond it a value is a typo, and arithmetic on it (numpy) would
# fail later instead of at start-up.
MAX_METRIC = 1e12


class Condition(Strict):
    """One applicability test: a journey signal present, or a metric compared."""

    signal: SignalName | None = None
    metric: MetricName | None = None
    op: Literal[">=", "<=", ">", "<", "=="] | None = None
    value: float | None = Field(None, ge=-MAX_METRIC, le=MAX_METRIC)

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        if (self.signal is None) == (self.metric is None):
            raise ValueError("give either 'signal' or 'metric' (with 'op' and 'value')")
        if self.metric is not None and (self.op is None or self.value is None):
            raise ValueError("a 'metric' condition needs 'op' and 'value'")
        return self


class Treatment(Strict):
    """A treatment (next-best action) the operator can deliver."""

    display_name: str
    description: str
    channel: Channel
    purpose: Purpose
    enabled: bool = True
    cost: Amount = Field(description="Cost per contact in pounds.")
    base_propensity: Probability = 0.1
    propensity_boosts: dict[SignalName, Probability] = Field(default_factory=dict)
    applicable_when: list[Condition] = Field(
        default_factory=list,
        description="Soft rule: applicable when ANY condition holds (empty = always).",
    )
    segments: list[str] = Field(
        default_factory=list,
        description="Soft rule: made for customers of these segments (empty = all).",
    )


class Constraint(Strict):
    """Daily capacity of a treatment."""

    max_per_day: Count
    daily_budget: Amount | None = None
    priority: int = Field(3, ge=1, le=9)
    reserved_share: Probability = DEFAULT_RESERVED_SHARE


class CVMConfig(Strict):
    """The whole configuration file."""

    treatments: dict[str, Treatment]
    constraints: dict[str, Constraint]
    policy: Policy = Policy()
    value: ValueModel = ValueModel()
    model: ModelSettings = ModelSettings()
    validation: Validation = Validation()
    settings: Settings = Settings()
    decisions: Decisions = Field(default_factory=Decisions)
    big_plan: BigPlan = BigPlan()
    learning: Learning = Learning()
    experiment: Experiment = Experiment()
    learned_counts: tuple[CountRow, ...] = Field(
        (),
        exclude=True,
        description="Outcome counts per treatment x cell, from the ledger "
        "(tools.learning.with_outcomes); empty: nothing learned.",
    )
    source: str = Field("", exclude=True, description="Where it was loaded from.")
    catalogue_version: int = Field(
        1,
        ge=1,
        le=INT32_MAX,
        exclude=True,
        description="The catalogue version its treatments and constraints are "
        "(1: the file's; see tools.catalogue_versions).",
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> CVMConfig:
        for key in self.constraints:
            if key not in self.treatments:
                raise ValueError(
                    f"constraints.{key}: no treatment of that name "
                    f"(known: {', '.join(self.treatments)})"
                )
        unknown = self.decisions.unknown_treatments(self.treatments)
        if unknown:
            raise ValueError(f"{unknown}: no treatment of that name")
        if NO_ACTION not in self.treatments:
            raise ValueError(
                f"treatments: the no-action baseline '{NO_ACTION}' is required"
            )
        return self

    @property
    def state_path(self) -> Path:
        """The state directory as a path (ledger database, logs)."""
        return Path(self.settings.state_dir)

    def treatment(self, key: str) -> Treatment:
        """Return a treatment, or raise ``UnknownTreatmentError``."""
        try:
            return self.treatments[key]
        except KeyError:
            raise UnknownTreatmentError(key, list(self.treatments)) from None

    def consent_channel(self, channel: str) -> ConsentChannel | None:
        """The consent channel that covers a treatment channel (None for 'none')."""
        if channel == "none":
            return None
        for treatment_channel, consent in self.policy.consent_channel.items():
            if treatment_channel == channel:
                return consent
        return cast(ConsentChannel, channel)


def _env_overrides(data: dict[str, Any]) -> dict[str, Any]:
    """Apply MODEL_ID, OPENAI_BASE_URL, LOG_LEVEL and CVM_STATE_DIR.

    A section that is not a mapping is left as it is for validation to name.
    """
    model, settings = data.get("model") or {}, data.get("settings") or {}
    if isinstance(model, dict):
        model = dict(model)
        if os.environ.get("MODEL_ID"):
            model["id"] = os.environ["MODEL_ID"]
        if os.environ.get("OPENAI_BASE_URL"):
            model["base_url"] = os.environ["OPENAI_BASE_URL"]
    if isinstance(settings, dict):
        settings = dict(settings)
        if os.environ.get("CVM_STATE_DIR"):
            settings["state_dir"] = os.environ["CVM_STATE_DIR"]
        logging_cfg = settings.get("logging") or {}
        if os.environ.get("LOG_LEVEL") and isinstance(logging_cfg, dict):
            settings["logging"] = {
                **logging_cfg,
                "level": os.environ["LOG_LEVEL"].upper(),
            }
    return {**data, "model": model, "settings": settings}


def config_path() -> Path:
    """The configuration file in force: ``$CVM_CONFIG`` or the project default."""
    return Path(os.environ.get("CVM_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: str | Path | None = None) -> CVMConfig:
    """Load, override from the environment, and validate the configuration.

    Args:
        path: The YAML file; defaults to ``$CVM_CONFIG`` or ``config/cvm_config.yaml``.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: The file is missing, not UTF-8, not YAML (or has a duplicate
            key), or fails validation (unknown keys, types, ranges, non-finite
            numbers, unknown time zone); the message names the file, the key path
            and the problem in one short line.
    """
    file = Path(path) if path else config_path()
    state = os.environ.get("CVM_STATE_DIR")  # its cache of parsed documents
    try:
        data = load_yaml(file, Path(state) if state else None)
    except FileProblem as exc:
        raise ConfigError(str(file), exc.where, exc.problem) from None
    if not isinstance(data, dict):
        raise ConfigError(str(file), "", "the top level must be a mapping of sections")
    data = _env_overrides(data)
    try:
        config = CVMConfig.model_validate({**data, "source": str(file)})
    except ValidationError as exc:
        from tools.config_messages import describe  # (difflib: only on a problem)

        errors = exc.errors()
        key, problem = describe(errors[0], data, CVMConfig)
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem(s))"
        raise ConfigError(str(file), key, problem) from None
    return config


@lru_cache(maxsize=8)
def _cached(path: str, env_key: tuple[str | None, ...]) -> CVMConfig:
    return load_config(path)


def get_config() -> CVMConfig:
    """The configuration in force, cached per file and environment overrides."""
    env = tuple(
        os.environ.get(name)
        for name in ("MODEL_ID", "OPENAI_BASE_URL", "CVM_STATE_DIR", "LOG_LEVEL")
    )
    return _cached(str(config_path()), env)
