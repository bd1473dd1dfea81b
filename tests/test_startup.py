"""Start-up stays light: each ``cvm`` path imports only the engines it uses.

Checked by which modules a fresh process has loaded (``sys.modules``), not by timing
(the start-up figures are in ``benchmarks/startup.py``): the command line itself
loads no engine; ``cvm ask`` about one customer reads the row store (SQLite) and runs
the kernel (numpy), never DuckDB, the solver, the OpenAI SDK or Chainlit; ``cvm
allocations`` reads the ledger only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("duckdb", "highspy", "openai", "chainlit", "ray", "psycopg", "sklearn")
PROBE = (
    "import json, sys\n"
    "sys.argv = ['cvm', *json.loads(sys.argv[1])]\n"
    "from assistant.cli.main import main\n"
    "try:\n"
    "    code = main() if sys.argv[1:] else 0\n"
    "except SystemExit as exc:  # --help\n"
    "    code = exc.code\n"
    "print('\\nLOADED ' + json.dumps(sorted(sys.modules)))\n"
    "sys.exit(code)\n"
)


def _loaded(state: str, *argv: str) -> tuple[set[str], str]:
    env = {**os.environ, "CVM_STATE_DIR": state}
    env.pop("OPENAI_API_KEY", None)
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(argv))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out, _, loaded = run.stdout.rpartition("\nLOADED ")
    modules = set(json.loads(loaded))
    return modules | {m.split(".")[0] for m in modules}, out


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("startup"))
    _loaded(folder, "ask", "what should we offer U124?")  # the sample store made
    return folder


def test_the_command_line_alone_loads_no_engine(state):
    loaded, _ = _loaded(state)
    assert loaded & {*HEAVY, "numpy", "pydantic"} == set()


def test_help_lists_every_command_without_models_or_engines(state):
    loaded, out = _loaded(state, "--help")
    assert all(name in out for name in ("ask", "decide", "allocations", "plan"))
    assert loaded & {*HEAVY, "numpy", "pydantic", "yaml"} == set()


def test_ask_about_one_customer_loads_no_engine_but_the_kernel(state):
    loaded, out = _loaded(state, "ask", "what should we offer U124?")
    assert "U124: recommend" in out
    assert loaded & set(HEAVY) == set()
    assert "numpy" in loaded  # the kernel decided (the same code as the batch)
    # nor the tools it did not call: the plan's booking and solver, the base's
    # scans and export, the outcome reports, the catalogue's changes
    unused = {
        "tools.planning.booking",
        "tools.planning.problem",
        "tools.base_queries",  # the planner reads a threshold without its models
        "tools.base_queries.scan",
        "tools.base_queries.export",
        "tools.outcomes_report",
        "tools.outcomes_expect",
        "tools.catalogue_writes",
        "assistant.toolkit.plan_tools",
    }
    assert loaded & unused == set()


def test_one_customer_commands_ask_for_one_blas_thread_before_numpy_loads():
    from assistant.cli.main import one_blas_thread

    env: dict[str, str] = {}
    one_blas_thread("decide", env, loaded=())  # a batch command keeps the pool
    assert env == {}
    one_blas_thread("ask", env, loaded=("numpy",))  # too late once numpy is loaded
    assert env == {}
    one_blas_thread("ask", env, loaded=())
    assert env == {"OPENBLAS_NUM_THREADS": "1"}
    env = {"OPENBLAS_NUM_THREADS": "4"}  # the user's choice is kept
    one_blas_thread("chat", env, loaded=())
    assert env == {"OPENBLAS_NUM_THREADS": "4"}


def test_the_command_line_asks_pydantic_not_to_look_for_plugins():
    from assistant.cli.main import no_pydantic_plugins

    env: dict[str, str] = {}
    no_pydantic_plugins(env, loaded=("pydantic",))  # too late: left alone
    assert env == {}
    no_pydantic_plugins(env, loaded=())
    assert env == {"PYDANTIC_DISABLE_PLUGINS": "__all__"}
    env = {"PYDANTIC_DISABLE_PLUGINS": ""}  # the user's choice (look) is kept
    no_pydantic_plugins(env, loaded=())
    assert env == {"PYDANTIC_DISABLE_PLUGINS": ""}


def test_allocations_reads_the_ledger_only(state):
    loaded, out = _loaded(state, "allocations")
    assert out.startswith("no allocations on ")
    assert loaded & {"ray", "psycopg", "duckdb", "numpy"} == set()
    assert loaded & set(HEAVY) == set()
    # nor the customer record's models, the kernel or the customer store
    assert loaded & {"tools.customer", "tools.kernel", "tools.store"} == set()


def test_each_sub_command_is_dispatched_to_the_module_that_adds_it():
    from assistant.cli import main as cli_main

    whole = cli_main.build_parser()
    [sub] = [a for a in whole._actions if a.dest == "command"]
    assert set(sub.choices) == set(cli_main.MODULES)  # type: ignore[arg-type]
    for name, module in cli_main.MODULES.items():
        alone = cli_main.build_parser(name)
        [one] = [a for a in alone._actions if a.dest == "command"]
        assert name in one.choices, (name, module)  # type: ignore[operator]
        assert set(one.choices) < set(sub.choices)  # type: ignore[arg-type]


def test_the_sub_command_is_found_after_the_global_options():
    from assistant.cli.main import _named

    assert _named(["allocations", "--all"]) == "allocations"
    assert _named(["--log-level", "DEBUG", "ask", "hi"]) == "ask"
    assert _named(["--log-level=INFO", "plan"]) == "plan"
    assert _named(["--help"]) is None
    assert _named([]) is None
