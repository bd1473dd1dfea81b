"""End to end with login, in real headless Chromium: a big plan needs two analysts.

Two UI processes on one ledger, login on (CVM_USERS, CHAINLIT_AUTH_SECRET), and a
config whose big-plan limit (two bookings) the sample plan is over. Alice logs in
on the first, plans, presses Book plan and Approve: a request, nothing booked; her
own second approval is refused (SECOND-APPROVAL). Bob logs in on the second, in
another browser context: his chat starts with the request, he presses Approve, and
the ledger holds the plan's bookings approved by both names.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FROZEN_NOW
from tests.test_big_plan import small_limits
from tests.test_browser import ARGS, WAIT, _require_browser, ask, message, press
from tests.ui_start import make_app_root, start_ui
from tools.allocation import list_allocations
from tools.config import load_config
from tools.context import ToolContext
from tools.planning.store import plan_store

pytestmark = pytest.mark.browser
USERS = {"alice": secrets.token_hex(8), "bob": secrets.token_hex(8)}


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str, ToolContext, Path]]:
    """Two chat UI processes on one ledger (login on, a low big-plan limit).

    Offline model and frozen clock; yields both URLs, the ledger's context and
    the first server's log.
    """
    state = tmp_path / "state"
    logs = [tmp_path / "server1.log", tmp_path / "server2.log"]
    config = small_limits(tmp_path)
    env = {
        "CVM_MODEL": "offline",
        "CVM_STATE_DIR": str(state),
        "CVM_NOW": FROZEN_NOW,
        "CVM_CONFIG": str(config),
        "CVM_USERS": ",".join(f"{n}:{p}" for n, p in USERS.items()),
        "CHAINLIT_AUTH_SECRET": secrets.token_hex(32),
    }
    drop = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CVM_USERS_FILE", "CVM_LEDGER_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    try:
        with ExitStack() as stack:
            first, second = (
                stack.enter_context(
                    start_ui(make_app_root(tmp_path / f"ui{n}"), env, logs[n], clean)
                )
                for n in (0, 1)
            )
            ctx = ToolContext.create(load_config(config), state_dir=state)
            yield first, second, ctx, logs[0]
    except RuntimeError as exc:
        pytest.fail(str(exc))


@contextmanager
def browser(tmp_path: Path, log: Path) -> Iterator[Any]:
    """One headless Chromium; a Playwright error fails with the server's log."""
    chromium = _require_browser()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            yield found
        except PlaywrightError as exc:
            for n, context in enumerate(found.contexts):
                for page in context.pages:
                    page.screenshot(path=str(tmp_path / f"failure-{n}.png"))
            pytest.fail(f"{exc}\n--- server log ---\n{log.read_text()[-3000:]}")
        finally:
            found.close()


def logged_in(found: Any, url: str, user: str) -> Any:
    """A page of a new browser context (its own cookies) logged in as ``user``."""
    context = found.new_context(viewport={"width": 1280, "height": 1800})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(url)
    page.locator("#email").fill(user)
    page.locator("#password").fill(USERS[user])
    press(page.get_by_role("button", name="Sign In"))
    page.locator("#chat-input").wait_for()
    return page


def test_alice_asks_bob_approves_the_ledger_holds_both_names(servers, tmp_path):
    """Alice on one UI process, Bob on another, one ledger."""
    url, other_url, ctx, log = servers
    with browser(tmp_path, log) as found:
        alice = logged_in(found, url, "alice")
        alice.locator("[id^='starter-']:enabled").first.wait_for()  # chat started
        ask(alice, "Who should we call today?")
        alice.get_by_text("Planned vs capacity left").first.wait_for()
        press(alice.get_by_role("button", name="Book plan").first)
        asking = message(alice, "Ask another analyst to approve booking plan")
        press(asking.get_by_role("button", name="Approve"))
        alice.get_by_text("awaits a second approver").first.wait_for()
        plan = plan_store(ctx).latest()
        assert plan is not None and plan.assigned > 2
        assert list_allocations(ctx) == []  # the first approval books nothing
        ask(alice, f"approve plan {plan.plan_id}")  # her own request
        alice.get_by_text("must come from another analyst").first.wait_for()
        assert alice.get_by_text("SECOND-APPROVAL").count()
        alice.screenshot(path=str(tmp_path / "alice.png"), full_page=True)

        bob = logged_in(found, other_url, "bob")
        second = message(bob, f"Second approval: book plan {plan.plan_id}")
        second.wait_for()
        assert bob.get_by_text("requested by alice").count()
        press(second.get_by_role("button", name="Approve"))
        bob.get_by_text("Second approval given").first.wait_for()
        bob.screenshot(path=str(tmp_path / "bob.png"), full_page=True)
    booked = list_allocations(ctx)
    assert len(booked) == plan.assigned
    assert {b.approved_by for b in booked} == {"alice + bob (ui)"}
    [request] = ctx.ledger.approval_requests(pending_only=False)
    assert (request.requested_by, request.decided_by, request.status) == (
        "alice",
        "bob",
        "approved",
    )
