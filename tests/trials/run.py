"""Run new-user trial conversations on the offline assistant and write transcripts.

A trial (``tests/trials/<date>-<author>.yaml``) is a set of conversations written by
an author who had not read the code or the corpora. Each conversation runs in a fresh
state directory on the clock in force (``CVM_NOW``), on the sample base or, when it
says ``base: 100k``, on a generated base of 100,000 customers (generated and imported
once per run with ``cvm generate-customers`` and ``cvm import``; each conversation
gets its own copy and a fresh ledger); the transcript (every turn, its tools and the
reply) is written beside the trial as ``<name>.transcript.md`` for an independent
grader. ``python -m tests.trials.run tests/trials/X.yaml``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml

from assistant.api import Assistant
from assistant.core.session import ToolCallRecord


def transcript(trial: Path) -> str:
    """Every conversation of ``trial``, turn by turn, as markdown."""
    data = yaml.safe_load(trial.read_text(encoding="utf-8"))
    out = [f"# Trial {trial.name} ({data.get('author', '?')})", ""]
    n = 0
    with TemporaryDirectory() as bases:
        for i, conv in enumerate(data["conversations"], 1):
            base = conv.get("base")
            on = f" ({base} base)" if base else ""
            out += [f"## {i}. {conv.get('title', '')}{on}", ""]
            with TemporaryDirectory() as tmp:
                state = Path(tmp) / "state"
                if base:
                    store = _generated(Path(bases), str(base))
                    shutil.copytree(store, state, ignore=_LEDGER)
                bot = Assistant.create(model="offline", state_dir=state)
                for text in conv["turns"]:
                    n += 1
                    turn = bot.ask(text)
                    tools = ", ".join(map(_call, turn.tool_calls))
                    out += [f"**T{n} analyst:** {text}", ""]
                    out += [f"_tools: {tools or 'none'}_", ""]
                    out += ["> " + line for line in turn.reply.splitlines()] + [""]
    return "\n".join(out)


SIZES = {"100k": 100_000}
_LEDGER = shutil.ignore_patterns("ledger*", ".ledger*")


def _generated(root: Path, base: str) -> Path:
    """A state dir whose store holds the generated base ``base`` (made once)."""
    state = root / base
    if not state.exists():
        parts = root / f"{base}-parts"
        env = {**os.environ, "CVM_STATE_DIR": str(state)}
        cvm = [sys.executable, "-m", "assistant"]
        size = str(SIZES[base])
        for argv in (
            [
                "generate-customers",
                "--customers",
                size,
                "--seed",
                "7",
                "--out",
                str(parts),
            ],
            ["import", str(parts), "--replace"],
        ):
            subprocess.run([*cvm, *argv], env=env, check=True, capture_output=True)
    return state


def _call(c: ToolCallRecord) -> str:
    """One tool call in words: its name, refusal, and whether it awaits a yes."""
    refused = "" if c.ok else f" (refused {c.rule or 'error'})"
    held = " [held for confirmation]" if c.held else ""
    return f"{c.name}{refused}{held}"


def main(paths: list[str]) -> int:
    """Write the transcript of each trial file given."""
    for p in map(Path, paths):
        target = p.with_suffix(".transcript.md")
        target.write_text(transcript(p), encoding="utf-8")
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
