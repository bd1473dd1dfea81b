"""Issue 24's acceptance, in real headless Chromium: log in, ask, restart the server,
resume the thread from the history and continue it (its plan chart drawn again)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW
from tests.test_browser import ARGS, WAIT, _require_browser, ask, bookings, press
from tests.ui_start import make_app_root, start_ui

pytestmark = pytest.mark.browser


def plan_chart(page):
    """The plan card's chart (a Plotly figure titled 'Planned vs capacity left')."""
    return page.locator(".js-plotly-plot").filter(has_text="Planned vs capacity left")


@contextmanager
def logged_in(tmp_path: Path, name: str, url: str, log: Path) -> Iterator:
    """A fresh Chromium profile, logged in as ana, on the chat (connected)."""
    chromium = _require_browser()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{name}"),
            executable_path=chromium,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 1600},
        )
        ctx.set_default_timeout(WAIT)
        page = ctx.new_page()
        try:
            page.goto(url)
            page.locator("#email").fill("ana")
            page.locator("#password").fill("s3cret-pass")
            page.get_by_role("button", name="Sign In").click()
            page.locator("[id^='starter-']:enabled").first.wait_for()
            yield page
        except PlaywrightError as exc:
            shot = tmp_path / f"browser-failure-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            pytest.fail(
                f"{exc}\n(screenshot: {shot})\n--- server log ---\n"
                f"{log.read_text()[-3000:]}"
            )
        finally:
            ctx.close()


def test_log_in_ask_restart_resume_the_thread_and_continue_it(tmp_path):
    state = tmp_path / "state"
    env = {
        "CVM_MODEL": "offline",
        "CVM_STATE_DIR": str(state),
        "CVM_NOW": FROZEN_NOW,
        "CVM_USERS": "ana:s3cret-pass",
        "CHAINLIT_AUTH_SECRET": secrets.token_hex(32),
    }
    drop = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CVM_USERS_FILE", "CVM_LEDGER_URL"}
    base = {k: v for k, v in os.environ.items() if k not in drop}

    def serve(run: str):
        root = make_app_root(tmp_path / f"ui-{run}")
        return start_ui(root, env, tmp_path / f"server-{run}.log", base=base)

    with serve("first") as url:
        log = tmp_path / "server-first.log"
        with logged_in(tmp_path, "first", url, log) as page:
            ask(page, "Who should we call today?")
            plan_chart(page).wait_for()
            ask(page, "What should we offer U128?")
            page.get_by_text("U128: Personalised Offer").first.wait_for()
            page.get_by_role("button", name="Book").first.wait_for()
    assert (state / "threads.db").is_file()  # created by the server at start-up

    with serve("second") as url:  # a new server process on the same state dir
        log = tmp_path / "server-second.log"
        with logged_in(tmp_path, "second", url, log) as page:
            history = page.locator("[id^='thread-']").filter(
                has_text="Who should we call today?"  # the thread's first question
            )
            if not history.first.is_visible():
                page.locator("#sidebar-trigger-button").click()
            history.first.click()
            page.get_by_text("Conversation resumed").first.wait_for()
            assert page.get_by_text("customer in focus U128").first.is_visible()
            assert page.get_by_text(re.compile(r"plan P\S+\)")).first.is_visible()
            plan_chart(page).wait_for()  # drawn again from the stored plan
            assert plan_chart(page).locator(".barlayer .point").count() > 0
            page.get_by_text("proposed again below").first.wait_for()
            assert page.get_by_text("recommend Personalised Offer").first.is_visible()
            ask(page, "why?")  # no customer named: the restored focus answers
            page.get_by_text("Why Personalised Offer for U128").first.wait_for()
            page.screenshot(path=str(tmp_path / "resumed.png"), full_page=True)
            press(page.get_by_role("button", name="Approve").last)
            page.get_by_text("Booked Personalised Offer for U128").first.wait_for()
    [booked] = bookings(state)
    assert (booked.customer_id, booked.treatment_key) == ("U128", "personalized_offer")
    assert booked.approved_by.startswith("ana")
