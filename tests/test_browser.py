"""End to end in real headless Chromium: starter → card → Book → approve → ledger."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tools.config import get_config
from tools.context import ToolContext

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _require_browser() -> str:
    if CHROMIUM:
        return CHROMIUM
    message = "chromium is not installed (make test installs it with apt-get)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; under CI the browser test must run")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"OPENAI_API_KEY", "CVM_USERS", "CVM_NOW", "CI"}
    }
    # chainlit's CLI invents an OPENAI_API_KEY when CI is set: choose explicitly.
    env["CVM_MODEL"] = "offline"
    env["CVM_STATE_DIR"] = str(tmp_path / "state")
    chainlit = Path(sys.executable).parent / "chainlit"
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [
            str(chainlit),
            "run",
            "assistant/ui/app.py",
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(
                    "chainlit did not start:\n" + (tmp_path / "server.log").read_text()
                )
            time.sleep(0.2)
    yield url, tmp_path / "state", tmp_path / "server.log"
    proc.terminate()
    proc.wait(10)


@contextmanager
def chat_page(tmp_path: Path, url: str, log: Path, requests: list[str] | None = None):
    """A Chromium page on the chat UI, connected; a failure keeps a screenshot.

    Yields the page once its websocket is connected (a message sent before that
    is dropped); every URL the page requests goes into ``requests`` when given.
    A Playwright error fails the test with the server's log.
    """
    chromium = _require_browser()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 1800},
        )
        page = ctx.new_page()
        if requests is not None:
            page.on("request", lambda r: requests.append(r.url))
        connected: list[bool] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda frame: connected.append(True)),
        )
        try:
            page.goto(url)
            page.locator("#chat-input").wait_for(timeout=30_000)
            deadline = time.monotonic() + 30
            while not connected and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert connected, "the page never connected its websocket"
            yield page
        except PlaywrightError as exc:
            page.screenshot(path=str(ARTIFACTS / "browser-failure.png"), full_page=True)
            pytest.fail(f"{exc}\n--- server log ---\n{log.read_text()[-3000:]}")
        finally:
            ctx.close()


def ask(page, text: str) -> None:
    """Send a message (the send button must be a send button again, not stuck)."""
    page.locator("#chat-input").fill(text)
    page.locator("#chat-submit:enabled").click(timeout=15_000)


def test_u124_starter_card_book_approve(server, tmp_path):
    url, state, log = server
    requested: list[str] = []
    with chat_page(tmp_path, url, log, requested) as page:
        starter = page.locator("#starter-offer-for-u124")
        starter.wait_for(timeout=30_000)
        # the product's own look: its logo (not the framework's) and footer
        logo = page.locator('img[src*="/logo"]').first
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/logo" in (logo.get_attribute("src") or "")
        starter.click()
        page.get_by_text("recommend Marketing Call Back").first.wait_for(timeout=30_000)
        assert page.get_by_text("recommend_treatment").first.is_visible()
        page.get_by_text("U124: Marketing Call Back").first.wait_for(timeout=10_000)
        assert page.get_by_text("Excluded by contact rules").first.is_visible()
        assert page.get_by_text("Nothing is booked without your approval").count()
        assert page.get_by_text(
            "CONSENT: no marketing consent by sms"
        ).first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "browser-u124-card.png"), full_page=True)
        page.get_by_role("button", name="Book").first.click()
        page.get_by_role("button", name="Approve").click()
        page.get_by_text("Booked Marketing Call Back for U124").first.wait_for(
            timeout=30_000
        )
        page.screenshot(path=str(ARTIFACTS / "browser-u124-booked.png"), full_page=True)
    external = [
        u for u in requested if not u.startswith(("http://127.0.0.1", "data:", "blob:"))
    ]
    bookings = ToolContext.create(get_config(), state_dir=state)
    from tools.allocation import list_allocations

    [booked] = list_allocations(bookings, all_days=True)  # booked on the real day
    assert (booked.customer_id, booked.treatment_key) == ("U124", "marketing_call_back")
    assert booked.approved_by == "analyst (ui)"
    assert not [u for u in external if "fonts.googleapis.com/css" in u]
    assert (ARTIFACTS / "browser-u124-booked.png").stat().st_size > 10_000


def test_plan_card_book_plan_approve(server, tmp_path):
    url, state, log = server
    with chat_page(tmp_path, url, log) as page:
        ask(page, "Who should we call today?")
        page.get_by_text("Planned vs capacity left").first.wait_for(timeout=30_000)
        assert page.get_by_text("First come, in id order").first.is_visible()
        assert page.get_by_text("One more slot").first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "browser-plan.png"), full_page=True)
        page.get_by_role("button", name="Book plan").first.click()
        page.get_by_role("button", name="Approve").click()
        page.get_by_text("nothing refused").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "browser-plan-booked.png"), full_page=True)
    from tools.allocation import list_allocations
    from tools.planning.plan import plan_store

    booked_ctx = ToolContext.create(get_config(), state_dir=state)
    plan = plan_store(booked_ctx).latest()
    booked = list_allocations(booked_ctx, all_days=True)  # the real day
    assert plan is not None and len(booked) == plan.assigned > 0
    assert {b.approved_by for b in booked} == {"analyst (ui)"}


def test_chat_goes_on_after_cancel_and_after_approve(server, tmp_path):
    """Book → Cancel, then a new question is answered; Book → Approve, likewise."""
    url, state, log = server
    with chat_page(tmp_path, url, log) as page:
        ask(page, "What should we offer U126?")
        page.get_by_text("U126: Data Boost").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Book").first.click()
        page.get_by_role("button", name="Cancel").first.click()
        page.get_by_text("was not approved").first.wait_for(timeout=30_000)
        ask(page, "How many call-backs are left today?")
        page.get_by_text("Capacity today").first.wait_for(timeout=30_000)
        ask(page, "What should we offer U124?")
        page.get_by_text("U124: Marketing Call Back").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Book").last.click()
        # wait for the new question: until it renders, .last is U126's old one
        page.get_by_text("Book Marketing Call Back for U124?").first.wait_for(
            timeout=30_000
        )
        page.get_by_role("button", name="Approve").last.click()
        page.get_by_text("Booked Marketing Call Back for U124").first.wait_for(
            timeout=30_000
        )
        ask(page, "What did we book today?")
        page.get_by_text("#1 U124: Marketing Call Back").first.wait_for(timeout=30_000)
        page.screenshot(
            path=str(ARTIFACTS / "browser-approve-then-ask.png"), full_page=True
        )
    from tools.allocation import list_allocations

    booked = list_allocations(
        ToolContext.create(get_config(), state_dir=state), all_days=True
    )
    assert [(b.customer_id, b.treatment_key) for b in booked] == [
        ("U124", "marketing_call_back")
    ]


def test_a_summary_question_shows_the_base_chart_in_both_themes(server, tmp_path):
    url, _, log = server
    with chat_page(tmp_path, url, log) as page:
        ask(page, "Summarise the base")
        page.get_by_text("customers (of").first.wait_for(timeout=30_000)
        chart = page.locator(".js-plotly-plot").first
        chart.wait_for(timeout=30_000)
        chart.scroll_into_view_if_needed()
        titles = chart.locator(".annotation-text").all_text_contents()
        assert "Customers by best action" in titles
        assert "EV (£) by segment" in titles
        assert chart.locator(".barlayer .point").count() >= 10  # bars drawn
        fills = {}
        for theme in ("light", "dark"):  # as the UI's theme switch sets it
            page.evaluate(
                "t => { const c = document.documentElement.classList;"
                " c.remove('light', 'dark'); c.add(t); }",
                theme,
            )
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / f"browser-base-chart-{theme}.png"))
            fills[theme] = chart.locator(".gtitle").evaluate(
                "e => getComputedStyle(e).fill"
            )
        light, dark = fills["light"], fills["dark"]
        assert (light, dark) == ("rgb(55, 65, 81)", "rgb(229, 231, 235)")
