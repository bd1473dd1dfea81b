"""Start-up: ``cvm`` commands against bare Python, run in turn, and what they import.

``python -m benchmarks.startup [--runs 11]`` runs each command and ``python -c pass``
alternately (A B A B …) in a state dir that holds the sample store, and prints per
command the median of the paired differences (wall and CPU seconds) against the
issue's targets: ``cvm ask`` offline <= 0.3 s over bare Python, ``cvm allocations``
<= 0.25 s with none of ray, psycopg, duckdb or numpy imported. CPU time (user + sys of
the child) is quoted beside wall time because the machine is shared: wall time then
measures the neighbours as much as the command. The project's modules are compiled to
bytecode first, as an install does: with ``PYTHONDONTWRITEBYTECODE`` set (CI and
this workplace set it) every run would otherwise compile ~200 modules from source.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {  # name: (argv after `cvm`, target seconds over bare Python)
    "ask": (["ask", "What should we offer U124?"], 0.3),
    "allocations": (["allocations"], 0.25),
    "help": (["--help"], None),
}
ENGINES = ("duckdb", "numpy", "highspy", "openai", "chainlit", "ray", "psycopg")
PROBE = (
    "import json, sys\n"
    "sys.argv = ['cvm', *json.loads(sys.argv[1])]\n"
    "from assistant.cli.main import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('\\nLOADED ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _engines(argv: list[str], env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    loaded = json.loads(out.rpartition("\nLOADED ")[2] or "[]")
    return [m for m in ENGINES if m in loaded]


def _compiled() -> None:
    """Bytecode for the project's modules (what ``pip install`` writes)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for package in ("assistant", "tools"):
        compileall.compile_dir(os.path.join(root, package), quiet=1)


def run(runs: int) -> None:
    _compiled()
    with tempfile.TemporaryDirectory(prefix="cvm-startup-") as state:
        env = {**os.environ, "CVM_STATE_DIR": state}
        env.pop("OPENAI_API_KEY", None)
        cvm = [sys.executable, "-m", "assistant"]
        subprocess.run([*cvm, *COMMANDS["ask"][0]], env=env, capture_output=True)
        bare = [sys.executable, "-c", "pass"]
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
        for name, (argv, target) in COMMANDS.items():
            walls, cpus = [], []
            _timed([*cvm, *argv], env)  # warm-up
            for _ in range(runs):
                a, b = _timed([*cvm, *argv], env), _timed(bare, env)
                walls.append(a[0] - b[0])
                cpus.append(a[1] - b[1])
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            against = (
                f"; target <= {target} s (wall ratio {wall / target:.2f}, "
                f"cpu ratio {cpu / target:.2f})"
                if target
                else ""
            )
            print(
                f"cvm {name}: over bare Python median wall {wall:.3f} s, cpu "
                f"{cpu:.3f} s{against}; engines imported: "
                f"{_engines(argv, env) or 'none'}"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=11)
    run(p.parse_args().runs)


if __name__ == "__main__":
    main()
