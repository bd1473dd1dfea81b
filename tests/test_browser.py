"""End to end in real headless Chromium: starter → card → Book → approve → ledger."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FROZEN_NOW
from tests.ui_start import make_app_root, start_ui
from tools.allocation import Allocation, list_allocations
from tools.config import get_config
from tools.context import ToolContext

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
WAIT = 30_000  # ms: the longest a page waits for what it expects (a loaded machine)

pytestmark = pytest.mark.browser


def _require_browser() -> str:
    if CHROMIUM:
        return CHROMIUM
    message = "chromium is not installed (make test installs it with apt-get)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; under CI the browser test must run")
    pytest.skip(message)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """The chat UI, offline model, frozen clock, this test's state dir."""
    state, log = tmp_path / "state", tmp_path / "server.log"
    env = {
        "CVM_MODEL": "offline",
        "CVM_STATE_DIR": str(state),
        "CVM_NOW": FROZEN_NOW,
    }
    drop = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CVM_USERS", "CVM_USERS_FILE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    try:
        root = make_app_root(tmp_path / "ui")
        with start_ui(root, env, log, base=clean) as url:
            yield url, state, log
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a module's tests (a launch costs ~2 s).

    Each page is opened in a new context of its own (its own cookies, storage and
    cache, as a fresh profile): the tests stay independent.
    """
    chromium = _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        shared = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            yield shared
        finally:
            shared.close()


@contextmanager
def chat_page(
    browser, tmp_path: Path, url: str, log: Path, requests: list[str] | None = None
):
    """A Chromium page on the chat UI, connected; a failure keeps a screenshot.

    Yields the page once it is connected and its chat started; every URL the page
    requests goes into ``requests`` when given. A Playwright error fails the test
    with the server's log and the path of a screenshot (in the test's temporary
    folder). The page is in a new context of ``browser`` (the ``browser`` fixture),
    closed at the end.
    """
    from playwright.sync_api import Error as PlaywrightError

    ctx = browser.new_context(viewport={"width": 1280, "height": 1800})
    try:
        ctx.set_default_timeout(WAIT)
        page = ctx.new_page()
        if requests is not None:
            page.on("request", lambda r: requests.append(r.url))
        try:
            page.goto(url)
            # the starters are enabled once the socket is connected and the chat
            # has started (a message sent before that is dropped)
            page.locator("[id^='starter-']:enabled").first.wait_for()
            yield page
        except PlaywrightError as exc:
            shot = tmp_path / "browser-failure.png"
            page.screenshot(path=str(shot), full_page=True)
            pytest.fail(
                f"{exc}\n(screenshot: {shot})\n--- server log ---\n"
                f"{log.read_text()[-3000:]}"
            )
    finally:
        ctx.close()


def ask(page, text: str) -> None:
    """Send a message (the send button must be a send button again, not stuck).

    Sent means the box is cleared: a click lost on a loaded machine (the box still
    holds the text) is followed by the keyboard's Enter, the same send.
    """
    from playwright.sync_api import expect

    box = page.locator("#chat-input")
    box.fill(text)
    page.locator("#chat-submit:enabled").click()
    try:
        expect(box).to_be_empty(timeout=5000)
    except AssertionError:
        box.press("Enter")
        expect(box).to_be_empty(timeout=WAIT)


def press(button) -> None:
    """Press a chat button from the keyboard (focus, then Enter).

    A mouse click aims at coordinates the chat's auto-scroll can move between the
    aim and the click (a lost click on a loaded machine); a focused button's Enter
    is the same click for the page, wherever the button has scrolled to.
    """
    from playwright.sync_api import expect

    expect(button).to_be_enabled(timeout=WAIT)  # disabled while a turn runs
    button.focus()
    button.press("Enter")


def message(page, text: str):
    """The chat message that shows ``text`` (the latest, innermost one).

    Buttons are found in their message: an answered question keeps its buttons on
    the page, so "the last Approve" may be an old one until the new one renders.
    """
    return page.locator("[id^='step-']").filter(has_text=text).last


def bookings(state: Path) -> list[Allocation]:
    """The bookings of the frozen day in the server's ledger."""
    return list_allocations(ToolContext.create(get_config(), state_dir=state))


def test_u124_starter_card_book_approve(browser, server, tmp_path):
    url, state, log = server
    requested: list[str] = []
    with chat_page(browser, tmp_path, url, log, requested) as page:
        starter = page.locator("#starter-offer-for-u124")
        starter.wait_for()
        # the product's own look: its logo (not the framework's) and footer
        logo = page.locator('img[src*="/logo"]').first
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/logo" in (logo.get_attribute("src") or "")
        starter.click()
        page.get_by_text("recommend Bill Review Call").first.wait_for()
        assert page.get_by_text("recommend_treatment").first.is_visible()
        page.get_by_text("U124: Bill Review Call").first.wait_for()
        assert page.get_by_text("Excluded by contact rules").first.is_visible()
        assert page.get_by_text("Nothing is booked without your approval").count()
        assert page.get_by_text(
            "CONSENT: no marketing consent by sms"
        ).first.is_visible()
        page.screenshot(path=str(tmp_path / "u124-card.png"), full_page=True)
        press(page.get_by_role("button", name="Book").first)
        press(page.get_by_role("button", name="Approve"))
        page.get_by_text("Booked Bill Review Call for U124").first.wait_for()
        page.screenshot(path=str(tmp_path / "u124-booked.png"), full_page=True)
    external = [
        u for u in requested if not u.startswith(("http://127.0.0.1", "data:", "blob:"))
    ]
    [booked] = bookings(state)
    assert (booked.customer_id, booked.treatment_key) == ("U124", "bill_review_call")
    assert booked.day == date.fromisoformat(FROZEN_NOW[:10])  # the server's clock
    assert booked.approved_by == "analyst (ui)"
    assert not [u for u in external if "fonts.googleapis.com/css" in u]
    assert (tmp_path / "u124-booked.png").stat().st_size > 10_000


def test_plan_card_book_plan_approve(browser, server, tmp_path):
    url, state, log = server
    with chat_page(browser, tmp_path, url, log) as page:
        ask(page, "Who should we call today?")
        page.get_by_text("Planned vs capacity left").first.wait_for()
        assert page.get_by_text("First come, in id order").first.is_visible()
        assert page.get_by_text("One more slot").first.is_visible()
        page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
        press(page.get_by_role("button", name="Book plan").first)
        press(page.get_by_role("button", name="Approve"))
        page.get_by_text("nothing refused").first.wait_for()
        page.screenshot(path=str(tmp_path / "plan-booked.png"), full_page=True)
    from tools.planning.store import plan_store

    plan = plan_store(ToolContext.create(get_config(), state_dir=state)).latest()
    booked = bookings(state)
    assert plan is not None and len(booked) == plan.assigned > 0
    assert {b.approved_by for b in booked} == {"analyst (ui)"}


def test_chat_goes_on_after_cancel_and_after_approve(browser, server, tmp_path):
    """Book → Cancel, then a new question is answered; Book → Approve, likewise."""
    url, state, log = server
    with chat_page(browser, tmp_path, url, log) as page:
        ask(page, "What should we offer U126?")
        page.get_by_text("U126: Bill Review Call").first.wait_for()
        press(page.get_by_role("button", name="Book").first)
        press(page.get_by_role("button", name="Cancel").first)
        page.get_by_text("was not approved").first.wait_for()
        ask(page, "How many call-backs are left today?")
        page.get_by_text("Capacity today").first.wait_for()
        ask(page, "What should we offer U124?")
        page.get_by_text("U124: Bill Review Call").first.wait_for()
        press(
            message(page, "U124: Bill Review Call").get_by_role("button", name="Book")
        )
        question = message(page, "Book Bill Review Call for U124?")
        press(question.get_by_role("button", name="Approve"))
        page.get_by_text("Booked Bill Review Call for U124").first.wait_for()
        ask(page, "What did we book today?")
        page.get_by_text("#1 U124: Bill Review Call").first.wait_for()
        page.screenshot(path=str(tmp_path / "approve-then-ask.png"), full_page=True)
    booked = bookings(state)
    assert [(b.customer_id, b.treatment_key) for b in booked] == [
        ("U124", "bill_review_call")
    ]


# The chart title's colour in each theme (as the UI's theme switch sets it)
TITLE_FILL = {"light": "rgb(55, 65, 81)", "dark": "rgb(229, 231, 235)"}


def test_a_summary_question_shows_the_base_chart_in_both_themes(
    browser, server, tmp_path
):
    from playwright.sync_api import expect

    url, _, log = server
    with chat_page(browser, tmp_path, url, log) as page:
        ask(page, "Summarise the base")
        page.get_by_text("customers (of").first.wait_for()
        chart = page.locator(".js-plotly-plot").first
        chart.wait_for()
        chart.scroll_into_view_if_needed()
        titles = chart.locator(".annotation-text").all_text_contents()
        assert "Customers by best action" in titles
        assert "EV (£) by segment" in titles
        assert chart.locator(".barlayer .point").count() >= 10  # bars drawn
        title = chart.locator(".gtitle").first
        for theme, fill in TITLE_FILL.items():
            page.evaluate(
                "t => { const c = document.documentElement.classList;"
                " c.remove('light', 'dark'); c.add(t); }",
                theme,
            )
            # the chart follows the theme: its title takes the theme's colour
            expect(title).to_have_css("fill", fill, timeout=WAIT)
            page.screenshot(path=str(tmp_path / f"base-chart-{theme}.png"))
