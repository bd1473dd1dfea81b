from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import configuration as hypothesis_configuration

from tests.hygiene import hypothesis_home, new_paths, repo_paths
from tests.pg import pg_server  # noqa: F401  (one PostgreSQL server per test process)
from tests.scratch import use_ram_scratch
from tests.ui_start import make_app_root
from tools import data
from tools.config import get_config
from tools.context import ToolContext

# The sample dataset's customers (tests assert the dataset has exactly these).
SAMPLE_CUSTOMERS = [f"U{n}" for n in range(123, 134)] + ["U999"]

# A weekday noon in London: every channel may lawfully contact now.
FROZEN_NOW = "2024-03-06T12:00:00+00:00"


def pytest_configure(config: pytest.Config) -> None:
    """Before any test, even before collection: the run's files go outside the repo.

    A temporary folder per process holds the state dir used outside tests (importing
    the UI module checks its set-up at collection) and the app root of the chainlit
    imported by tests (``import chainlit`` makes ``.files/`` there), a copy of the
    repo's; each UI server gets its own (``tests/ui_start.py``). Hypothesis keeps
    its examples outside the checkout, on disk; the run's other temporary files go
    to a RAM file system when there is one with room (``tests/scratch.py``). The
    main process (not an xdist worker) lists the checkout's paths, to compare at
    the end.
    """
    hypothesis_configuration.set_hypothesis_home_dir(hypothesis_home())
    use_ram_scratch()
    run = Path(tempfile.mkdtemp(prefix="cvm-test-run-"))
    config.stash[_RUN_DIR] = run
    os.environ["CVM_STATE_DIR"] = str(run / "state")
    os.environ["CHAINLIT_APP_ROOT"] = str(make_app_root(run / "ui"))
    if not hasattr(config, "workerinput"):
        config.stash[_REPO_BEFORE] = repo_paths()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if it left a new file or folder in the checkout."""
    config = session.config
    if hasattr(config, "workerinput") or _REPO_BEFORE not in config.stash:
        return
    left = new_paths(config.stash[_REPO_BEFORE], repo_paths())
    if left:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        message = (
            "FAILED: the run left files in the repository (tests write to temporary "
            "folders): " + ", ".join(left)
        )
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(_RUN_DIR, None)
    if run is not None:
        shutil.rmtree(run, ignore_errors=True)


# The costliest files, costliest first (share of the suite's test wall time, measured
# on main fe71677 with -n 2 at load ~10: test_ray 12.5%, test_fuzz 9.9% ... test_app
# 0.9%). `make test` hands out whole files in collection order (`--dist loadfile
# --no-loadscope-reorder`): starting with the longest keeps a one-test file of a
# minute from running alone at the end while the other core idles (xdist's default
# order, by number of tests, put exactly those last).
LONGEST_FIRST = (
    "test_ray.py",
    "test_fuzz.py",
    "test_threads_browser.py",
    "test_browser.py",
    "test_kernel_equivalence.py",
    "test_import.py",
    "test_heldout.py",
    "test_second_approver_browser.py",
    "test_understanding.py",
    "test_cli_decisions.py",
    "test_ledger_pg_ui.py",
    "test_red_team.py",
    "test_properties.py",
    "test_ledger_care.py",
    "test_conversations.py",
    "test_confirmations.py",
    "test_openai_path.py",
    "test_faults.py",
    "test_input_values.py",
    "test_catalogue_ui.py",
    "test_planning_blocks.py",
    "test_generate.py",
    "test_app.py",
    "test_catalogue.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest files first; the rest and each file's own order unchanged."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


_RUN_DIR = pytest.StashKey[Path]()
_REPO_BEFORE = pytest.StashKey["set[str] | None"]()


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
        "CVM_LEDGER_URL",
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

    from tests.yaml_text import yaml_text
    from tools.config import DEFAULT_CONFIG_PATH

    def _write(mutate=None, text: str | None = None):
        path = tmp_path / "cvm_config.yaml"
        if text is None:
            raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
            if mutate:
                mutate(raw)
            text = yaml_text(raw, sort_keys=False)
        path.write_text(text)
        return path

    return _write


GENERATED = 2_000  # customers of the generated base shared by list and plan tests


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The generated base imported once per module (each test gets a copy)."""
    from tests.bases import import_once

    return import_once(tmp_path_factory.mktemp("gen"), GENERATED, 3)


@pytest.fixture
def base_ctx(ctx, imported):
    """The test's context with the generated base's store copied in."""
    from tools.store.build import copy_store
    from tools.store.source import store_path

    copy_store(imported, store_path(ctx.config))
    assert ctx.customers.count() == GENERATED
    return ctx
