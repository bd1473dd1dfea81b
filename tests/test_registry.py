"""Each tool declared once: name, description, kind and topic read from one place;
results kept typed in the session and read typed by the card and the planner."""

from __future__ import annotations

import inspect

from assistant.api import Assistant
from assistant.conversation import dispatch
from assistant.toolkit.registry import TOOLS, names
from assistant.views.card import recommendation_card
from tools.allocation import Allocation, allocate_treatment
from tools.bookings import list_bookings
from tools.catalogue import list_treatments
from tools.context import ToolContext
from tools.recommendation import RankedTreatment, Recommendation


def test_name_and_description_come_from_the_function():
    for name, spec in TOOLS.items():
        assert name == spec.function.__name__
        first_line = inspect.getdoc(spec.function).splitlines()[0]
        assert spec.description.startswith(first_line.rstrip("."))
        assert "Args:" not in spec.description


def test_kinds_are_read_from_the_registry():
    assert names(kind="WRITE") == {
        "allocate_treatment",
        "release_allocation",
        "book_plan",
        "add_treatment",
        "change_treatment",
        "rollback_catalogue",
        "request_plan_approval",
        "approve_plan",
        "decline_plan",
        "record_outcome",
    }
    assert names(kind="READ") | names(kind="WRITE") == set(TOOLS)
    for spec in TOOLS.values():  # a WRITE, and only a WRITE, has an approval
        assert (spec.kind == "WRITE") == (spec.approval is not None), spec.name


def test_the_table_places_every_tool_in_the_group_that_declares_it(monkeypatch):
    """Names, kinds and order come from the table; each group declares its own."""
    from types import SimpleNamespace

    from assistant.toolkit import registry

    for module in {home for home, _ in registry.HOMES.values()}:
        specs = registry.group(module)
        assert set(specs) == {n for n, (h, _) in registry.HOMES.items() if h == module}
        assert all(s.kind == registry.HOMES[n][1] for n, s in specs.items())
    assert list(TOOLS) == list(registry.HOMES) and len(TOOLS) == len(registry.HOMES)
    assert "plan_campaign" in TOOLS and "no_such_tool" not in TOOLS
    assert TOOLS.get("no_such_tool") is None
    # a group that declares a tool the table does not place there is refused
    stray = SimpleNamespace(SPECS=[TOOLS["plan_campaign"], TOOLS["list_treatments"]])
    monkeypatch.setattr(registry, "import_module", lambda name: stray)
    try:
        registry.group.__wrapped__("plan_tools")
    except RuntimeError as exc:
        assert "list_treatments" in str(exc)
    else:
        raise AssertionError("a stray tool was accepted")


def test_every_spec_calls_its_function_by_contract():
    """Arguments model fields + ``ctx`` (+ the approver for a WRITE): no guessing."""
    for spec in TOOLS.values():
        params = inspect.signature(spec.function).parameters
        fields = set(spec.args.model_fields)
        deps = {"ctx"}
        if spec.kind == "WRITE":
            deps.add(spec.approver_param)
        if spec.override_param:
            deps.add(spec.override_param)
        required = {n for n, p in params.items() if p.default is p.empty}
        assert fields | deps <= set(params), spec.name  # each one is a parameter
        assert required <= fields | deps, spec.name  # nothing else is needed


def test_results_stay_typed_in_the_session(tmp_path):
    bot = Assistant.create(model="offline", state_dir=tmp_path / "s")
    turn = bot.ask("What should we offer U124?")
    assert isinstance(bot.session.last_recommendation, Recommendation)
    assert isinstance(bot.session.proposal, RankedTreatment)
    record = next(c for c in turn.tool_calls if c.name == "recommend_treatment")
    assert isinstance(record.value, Recommendation)
    assert "value" not in record.model_dump()  # the audit keeps the JSON view only
    card = recommendation_card(bot.session, bot.ctx.config)
    assert card is not None and "£180.60" in card and "CONSENT" in card
    bot.ask("book it")  # confirms the proposal shown
    assert isinstance(bot.session.allocations[0], Allocation)


def test_the_planner_reads_typed_results_not_the_models_json(tmp_path, monkeypatch):
    """Blank out what the model would read: the offline answers do not change."""
    bot = Assistant.create(model="offline", state_dir=tmp_path / "s")
    monkeypatch.setattr(dispatch, "as_json", lambda payload: '"(not shown)"')
    reply = bot.ask("give me the top 3 options for U128").reply
    assert "| 1 | Personalised Offer | e-mail | £70.86 | £3.00 |" in reply


def test_list_treatments_lists_the_catalogue(config):
    cat = list_treatments(ToolContext.create(config))
    keys = [t.treatment_key for t in cat.treatments]
    assert keys == list(config.treatments)
    mcb = next(t for t in cat.treatments if t.treatment_key == "marketing_call_back")
    assert (mcb.channel, mcb.cost, mcb.max_per_day) == ("call", 10.0, 2)


def test_list_bookings_reads_the_ledger_and_changes_nothing(ctx):
    assert list_bookings(ctx=ctx).bookings == []
    made = allocate_treatment("U125", "service_sms", "analyst", ctx)
    found = list_bookings(ctx=ctx)
    assert [b.allocation_id for b in found.bookings] == [made.allocation_id]
    assert list_bookings("U124", ctx=ctx).bookings == []  # another customer's: none
    assert list_bookings("u125", ctx=ctx).customer_id == "U125"
    assert len(list_bookings(ctx=ctx).bookings) == 1
