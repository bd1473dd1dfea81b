"""Assistant benchmark: offline turn latency, OpenAI-path token cost.

Run: ``python -m benchmarks.assistant`` (or ``make bench``). Targets: the offline
path imports neither chainlit nor openai; an in-process offline turn <= 2 ms median
(``cvm ask`` start-up over bare Python is measured by :mod:`benchmarks.startup`, in
paired runs of the compiled project); the OpenAI path answers "What
should we offer U124?" in <= 2 round trips, its first call <= 5,000 prompt tokens and
>= 80% of the second call's prompt a prefix cache would serve.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.api import Assistant
from assistant.models.openai_model import OpenAIModel
from tests.fake_openai import (
    FakeOpenAI,
    cached_prefix_tokens,
    completion,
    wire_prompt_tokens,
)
from tools.config import get_config
from tools.context import ToolContext
from tools.data import get_customer_data
from tools.tokens import count_tokens

QUESTION = "What should we offer U124?"


def bench_offline(state: Path) -> None:
    env = {**os.environ, "CVM_STATE_DIR": str(state)}
    env.pop("OPENAI_API_KEY", None)
    probe = (
        f"import sys; sys.argv=['cvm', 'ask', {QUESTION!r}]; "
        "from assistant.cli.main import main; main(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'openai','chainlit','tiktoken'}))"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", probe],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    print(f"offline path imports of openai/chainlit/tiktoken: {out} (target [])")
    bot = Assistant.create(model="offline", state_dir=state)
    bot.ask(QUESTION)
    times = []
    for _ in range(200):
        bot.session.messages.clear()
        t0 = time.perf_counter()
        bot.ask(QUESTION)
        times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(
        f"in-process offline turn: median {med:.2f} ms, p95 "
        f"{sorted(times)[189]:.2f} ms; target <= 2 ms (ratio {med / 2:.2f})"
    )


def bench_openai(state: Path) -> None:
    def model(body: dict) -> dict:
        if not any(m["role"] == "tool" for m in body["messages"]):
            return completion(
                tool_calls=[("recommend_treatment", {"customer_id": "U124"})]
            )
        return completion(
            "Offer U124 the marketing call back: high churn (0.75), "
            "a billing dispute and a switch threat; SMS is excluded "
            "(CONSENT)."
        )

    with FakeOpenAI([model, model, model]) as fake:
        config = get_config()
        settings = config.model.model_copy(
            update={"base_url": fake.base_url, "stream": False}
        )
        bot = Assistant.create(
            model=OpenAIModel(settings, "sk-bench"),
            config=config.model_copy(update={"model": settings}),
            state_dir=state,
        )
        turn = bot.ask(QUESTION)
    ours = turn.usage.prompt_tokens
    raw = get_customer_data("U124", ToolContext.create(state_dir=state)).model_dump(
        mode="json"
    )
    naive = (
        "You are a telecom CVM assistant. Recommend the best treatment.\n"
        f"Treatments: {json.dumps(list(config.treatments))}\n"
        f"Customer data:\n{json.dumps(raw, indent=2)}\n\n{QUESTION}"
    )
    naive_tokens = count_tokens(naive)
    first = wire_prompt_tokens(fake.requests[0])
    shares = [
        cached_prefix_tokens(prev, cur) / wire_prompt_tokens(cur)
        for prev, cur in zip(fake.requests, fake.requests[1:], strict=False)
    ]
    print(
        f"openai path (fake server): {len(fake.requests)} round trips (target <= 2, "
        f"ratio {len(fake.requests) / 2:.2f}), {ours:,} prompt tokens in total, "
        f"{turn.usage.completion_tokens} completion tokens, "
        f"est. ${turn.usage.estimated_cost_usd:.4f}"
    )
    print(
        f"  first call {first:,} prompt tokens (target <= 5,000, ratio "
        f"{first / 5000:.2f}); a prefix cache serves {min(shares):.0%} of the second "
        f"call (target >= 80%, ratio {min(shares) / 0.8:.2f})"
    )
    print(
        f"naive prompt pasting U124's raw data: {naive_tokens:,} tokens in one call "
        f"and no contact-rule guarantees; ours / naive = {ours / naive_tokens:.2f}"
    )


def bench_history(state: Path, turns: int = 100, **model_settings: int) -> None:
    """Prompt tokens and our own time per turn as an OpenAI-path conversation grows.

    The fake server answers at once (recommend, then a short answer) and reports
    the prompt tokens it received; our time is the turn's wall time minus the time
    the server spent answering (so it includes the SDK, HTTP and our loop).
    """
    customers = [f"U{n}" for n in range(123, 134)]

    def model(body: dict) -> dict:
        # the last message that is not the context note the loop appends
        last = next(m for m in reversed(body["messages"]) if m["role"] != "system")
        if last["role"] == "user":
            cid = last["content"].split()[-1].rstrip("?")
            return completion(
                tool_calls=[("recommend_treatment", {"customer_id": cid})]
            )
        top = json.loads(last["content"]).get("top", {}).get("treatment_key")
        return completion(f"Recommend {top}: see the reasons in the card.")

    count_tokens("warm up the encoding")
    with FakeOpenAI([model] * (2 * turns)) as fake:
        config = get_config()
        settings = config.model.model_copy(
            update={"base_url": fake.base_url, **model_settings}
        )
        bot = Assistant.create(
            model=OpenAIModel(settings, "sk-bench"),
            config=config.model_copy(update={"model": settings}),
            state_dir=state,
        )
        prompt, ours, wall = [], [], []
        for i in range(turns):
            server, server_cpu = fake.seconds, fake.cpu_seconds
            t0, cpu0 = time.perf_counter(), time.process_time()
            turn = bot.ask(f"What should we offer {customers[i % len(customers)]}?")
            cpu = time.process_time() - cpu0 - (fake.cpu_seconds - server_cpu)
            ours.append(cpu * 1000)
            wall.append((time.perf_counter() - t0 - (fake.seconds - server)) * 1000)
            prompt.append(turn.usage.prompt_tokens)
            assert turn.stopped is None, turn.reply
    _report_history(prompt, ours, wall, len(fake.requests), len(bot.session.messages))


def _report_history(
    prompt: list[int], ours: list[float], wall: list[float], requests: int, kept: int
) -> None:
    """Print prompt tokens and our time per turn at turns 1, 10, 50 and 100.

    Args:
        prompt: Each turn's prompt tokens, as the server counted them.
        ours: Each turn's CPU time in ms, the server's own taken off.
        wall: Each turn's wall time in ms, the server's own taken off.
        requests: The requests the fake server answered.
        kept: The messages the conversation kept at the end.
    """
    marks = [m for m in (1, 10, 50, 100) if m <= len(prompt)]
    # our time is CPU time (the machine may be shared: waiting for a core is not our
    # work), the median of the 9 turns up to a mark; wall time is shown beside it
    window = {m: statistics.median(ours[max(1, m - 9) : m]) for m in marks if m > 1}
    middle = {m: statistics.median(wall[max(1, m - 9) : m]) for m in marks if m > 1}
    window[1], middle[1] = ours[0], wall[0]
    print(
        f"history cost, {len(prompt)}-turn OpenAI-path conversation against the fake "
        f"server ({requests} requests, {kept} messages kept at the end; "
        "prompt tokens of the turn as the server counted them; our time = CPU time "
        "of the turn minus the server's (SDK, HTTP client, loop, tools, audit), "
        "median of the 9 turns up to the mark; wall time in brackets):"
    )
    for m in marks:
        print(
            f"  turn {m:>3}: {prompt[m - 1]:>6,} prompt tokens, {window[m]:6.1f} ms"
            f" ours ({middle[m]:.1f} ms wall)"
        )
    last = marks[-1]
    print(
        f"  turn {last} / turn 10: prompt tokens {prompt[last - 1] / prompt[9]:.2f}x,"
        f" our time {window[last] / window[10]:.2f}x; target <= 1.5x"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_offline(Path(tmp) / "offline")
        bench_openai(Path(tmp) / "openai")
        bench_history(Path(tmp) / "history")


if __name__ == "__main__":
    main()
