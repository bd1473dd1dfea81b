"""Run new-user trial conversations on the offline assistant and write transcripts.

A trial (``tests/trials/<date>-<author>.yaml``) is a set of conversations written by
an author who had not read the code or the corpora. Each conversation runs in a fresh
state directory on the frozen sample clock; the transcript (every turn, its tools and
the reply) is written beside the trial as ``<name>.transcript.md`` for an independent
grader. ``python -m tests.trials.run tests/trials/X.yaml``.
"""

from __future__ import annotations

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
    for i, conv in enumerate(data["conversations"], 1):
        out += [f"## {i}. {conv.get('title', '')}", ""]
        with TemporaryDirectory() as tmp:
            bot = Assistant.create(model="offline", state_dir=Path(tmp))
            for text in conv["turns"]:
                n += 1
                turn = bot.ask(text)
                tools = ", ".join(map(_call, turn.tool_calls))
                out += [f"**T{n} analyst:** {text}", ""]
                out += [f"_tools: {tools or 'none'}_", ""]
                out += ["> " + line for line in turn.reply.splitlines()] + [""]
    return "\n".join(out)


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
