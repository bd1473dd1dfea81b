from __future__ import annotations

import pytest

from tools import data
from tools.config import get_config
from tools.context import ToolContext

# The sample dataset's customers (tests assert the dataset has exactly these).
SAMPLE_CUSTOMERS = [f"U{n}" for n in range(123, 134)] + ["U999"]

# A weekday noon in London: every channel may lawfully contact now.
FROZEN_NOW = "2024-03-06T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Every test: fresh state dir, frozen clock, no API key, no stray overrides."""
    for var in (
        "CVM_MODEL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "MODEL_ID",
        "LOG_LEVEL",
        "CVM_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CVM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CVM_NOW", FROZEN_NOW)
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def config():
    return get_config()


@pytest.fixture
def ctx(tmp_path, config):
    return ToolContext.create(config, state_dir=tmp_path / "state")


@pytest.fixture
def write_config(tmp_path):
    """Write a variant of the default config; returns its path."""
    import yaml

    from tools.config import DEFAULT_CONFIG_PATH

    def _write(mutate=None, text: str | None = None):
        path = tmp_path / "cvm_config.yaml"
        if text is None:
            raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
            if mutate:
                mutate(raw)
            text = yaml.safe_dump(raw, sort_keys=False)
        path.write_text(text)
        return path

    return _write
