"""The treatment catalogue in the UI (issue 21): a table, and a change approved there.

In real headless Chromium (as tests/test_browser.py): "what treatments do we
have?" shows the catalogue as a table element (sortable), a change is approved
with the Approve button, and the next table is the new version's.
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests import test_browser
from tests.lazy import lazy
from tests.test_browser import ask, chat_page, message, press
from tools.catalogue_changes import CatalogueChange
from tools.catalogue_tools import commit_change
from tools.context import ToolContext

# the UI's tables (chainlit) load when a test first uses them (tests/lazy.py)
tables = lazy("assistant.ui.tables")

server = test_browser.server  # the chat UI on this test's state dir
browser = test_browser.browser  # one Chromium for the module
ADD = "add a treatment: 10% discount SMS, marketing, £1 a contact, 200 a day"


def _rows(page) -> list[str]:
    table = page.locator("#catalogue-table").last
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.key)"
    )


@pytest.mark.browser
def test_the_catalogue_shows_as_a_table_and_follows_an_approved_change(
    browser, server, tmp_path
):
    from playwright.sync_api import expect

    url, state, log = server
    other = ToolContext.create(state_dir=state)  # another process, server running
    off = CatalogueChange(action="disable", treatment_key="retention_email")
    commit_change(off, other, "cli:ana", login=False)
    keys = list(other.config.treatments)
    with chat_page(browser, tmp_path, url, log) as page:
        ask(page, "what treatments do we have?")
        table = page.locator("#catalogue-table").last
        table.wait_for()
        expect(table.locator("caption")).to_contain_text("version 2 (in force)")
        assert _rows(page) == keys
        row = table.locator("tr[data-key='retention_sms']")
        expect(row).to_contain_text("Retention SMS")
        expect(row).to_contain_text("£0.50")
        expect(row).to_contain_text("1,000")
        expect(table.locator("tr[data-key='retention_email'] td").first).to_have_text(
            "Retention Emailoff"
        )  # disabled: its name carries the badge
        table.get_by_text("Cost a contact").click()  # sort: cheapest first
        expect(table.locator("tbody tr").first).to_have_attribute("data-key", "ignore")
        page.screenshot(path=str(tmp_path / "catalogue-table.png"), full_page=True)
        ask(page, ADD)
        question = message(page, "Add 10% discount SMS to the treatment catalogue?")
        press(question.get_by_role("button", name="Approve"))
        page.get_by_text("Catalogue version 3 is in force").first.wait_for()
        ask(page, "what treatments do we have?")
        newer = page.locator("#catalogue-table", has_text="version 3").last
        newer.wait_for()
        expect(newer.locator("tr[data-key='discount_sms_10pct']")).to_contain_text(
            "10% discount SMS"
        )
        assert _rows(page) == [*keys, "discount_sms_10pct"]
    ctx = ToolContext.create(state_dir=state)
    assert ctx.config.catalogue_version == 3
    audit = [a for a in ctx.ledger.read_audit() if "catalogue" in a.record]
    assert [a.approver for a in audit] == ["analyst (ui)", "cli:ana"]


def test_the_table_element_carries_every_treatment_of_the_version(tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "state")
    turn = bot.ask("what treatments do we have?")
    found = tables.listed_catalogue(turn)
    assert found is not None
    props = tables.catalogue_props(found)
    assert props["version"] == 1
    keys = [r["treatment_key"] for r in props["rows"]]
    assert keys == list(bot.ctx.config.treatments)
    assert {c["key"] for c in props["columns"]} <= set(props["rows"][0])
    row = props["rows"][keys.index("retention_sms")]
    assert (row["display_name"], row["cost"], row["max_per_day"]) == (
        "Retention SMS",
        0.5,
        1000,
    )
    assert tables.listed_catalogue(bot.ask("what should we offer U127?")) is None
